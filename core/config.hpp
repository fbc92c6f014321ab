#pragma once
// The one config schema shared by the CLI, the wasm API and the page (docs/design.md §9.1), parsed and
// validated here so that every rejection names its field.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace attnsvm {

using Json = nlohmann::json;

enum class DataKind { GaussianUnit, Clusters, TokenizedMixture, Global, Toy, FashionMnist, File, Inline };
enum class QueryMode { Cross, Self };
enum class Param { W, KQ, KQDiag, Prompt, Multihead };
enum class DecoderMode { Fixed, Trained };
enum class HeadSigns { Same, Alternating, Random };
/// How the multihead output combines the heads: (1/√H) Σ_h (Deora et al.'s model, docs/design.md §2) or
/// the mean (1/H) Σ_h.
enum class HeadScale { Sqrt, Mean };
/// zero; gaussian N(0, std²); pytorch: PyTorch's nn.Linear default, U(−1/√d, 1/√d) (docs/design.md §4).
enum class InitKind { Zero, Gaussian, PyTorch };
enum class LossKind { Logistic, Exponential, Linear };
enum class OptimizerKind { GD, NGD, Polyak, MD, Flow };
enum class SvmNorm { Fro, Nuc, Lp, L1Diag };
enum class TokenRule { Optimal, Selected };

struct DataConfig {
  DataKind kind = DataKind::GaussianUnit;
  int n = 6, T = 8, d = 10;
  std::uint64_t seed = 1;
  QueryMode query = QueryMode::Cross;
  int test_n = 0;
  std::string name;    ///< toy dataset name
  std::string path;    ///< dataset file (kind "file")
  Json inline_data;    ///< the dataset itself (kind "inline")
  int centres = 3;     ///< clusters / tokenized-mixture: number of irrelevant centres
  double noise = 0.1;  ///< clusters: token noise std (per token norm)
  double snr = 3.0;    ///< tokenized-mixture: ‖μ‖ / noise
  double C = 1.0;      ///< toy "loss-compare": score coordinate of the second token
  // fashion-mnist (core/fashion.hpp): T = grid², path = directory of the IDX files ("" = default).
  std::vector<int> classes = {0, 7};  ///< the two classes (labels −1, +1); default T-shirt/top vs sneaker
  int grid = 4;                       ///< patches per side (a divisor of 28)
  double positional = 0.0;            ///< norm of the random positional code added to each patch token
};

struct InitConfig {
  InitKind kind = InitKind::Gaussian;  ///< default gaussian; pytorch for param KQ
  double std = 0.01;
  std::uint64_t seed = 1;
};

struct ModelConfig {
  Param param = Param::W;
  int heads = 1;
  int width = 0;  ///< KQ width m; 0 means d
  /// Default fixed; multihead: trained (every head trains its own decoder v_h, as in Deora et al.).
  DecoderMode decoder = DecoderMode::Fixed;
  /// multihead: the decoders start at ±v (same, alternating, or seeded random signs: the default).
  HeadSigns head_signs = HeadSigns::Same;
  HeadScale head_scale = HeadScale::Sqrt;  ///< multihead only
  InitConfig init;
};

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::NGD;
  double lr = 0.1;          ///< step size (flow: the largest arc-length step)
  double p = 2.0;           ///< mirror-descent potential ‖·‖_p^p / p
  bool normalized = false;  ///< md: divide the gradient by its ℓq norm
  double scale = 1.0;       ///< polyak: factor on the Polyak step
  double max_step = 10.0;   ///< polyak: cap on the step length ‖θ_{k+1} − θ_k‖_F (docs/design.md §4)
  double tol = 1e-9;        ///< flow: local error tolerance of the embedded RK pair
};

struct SvmConfig {
  std::vector<SvmNorm> norms;
  double p = 1.75;  ///< the ℓp exponent: the first of `ps` (the one of requests that name no p)
  /// Every ℓp exponent: `"p": 3` gives {3}, `"p": [1.75, 3]` one ℓp reference (and norm_lp column) per
  /// exponent, whose columns are then named by it (corr_lp1.75, corr_lp3; a single p keeps corr_lp).
  std::vector<double> ps = {1.75};
  TokenRule tokens = TokenRule::Optimal;
  /// The references are the relaxed joint SVMs (constraints of sequences that are not support vectors of
  /// the ℓ2 decoder SVM relaxed to ≥ 0). Default when the field is absent: model.decoder is trained.
  bool joint = false;
};

struct RunConfig {
  long iterations = 1000;
  long record_every = 1;
  int max_history = 4096;  ///< recorded rows kept; older rows are decimated beyond this
};

struct Config {
  DataConfig data;
  ModelConfig model;
  LossKind loss = LossKind::Logistic;
  OptimizerConfig optimizer;
  SvmConfig svm;
  RunConfig run;
};

/// The data fields of a toy dataset (data.kind "toy") besides its name: which of data.seed, data.C and
/// data.query change what it generates (a field a toy does not use is rejected by name).
struct ToyFields {
  const char* name;
  bool seed;       ///< drawn at random from data.seed
  bool C;          ///< data.C is a coordinate of its tokens
  bool self_only;  ///< self-attention by construction: data.query may only be "self"
};
/// The toy's fields, or nullptr for an unknown name.
const ToyFields* toy_fields(const std::string& name);

/// Parses and validates a config; throws InputError naming the offending field ("optimizer.lr: ...").
/// null is never a value: `"lr": null` is an error naming the field, like a field the setting does not
/// use (`data.noise: not used by kind global`).
Config parse_config(const Json& json);
Config parse_config(const std::string& text);
inline Config parse_config(const char* text) { return parse_config(std::string(text)); }

/// The config as JSON (round-trips through parse_config).
Json to_json(const Config& config);

const char* name(DataKind);
const char* name(Param);
const char* name(LossKind);
const char* name(OptimizerKind);
const char* name(SvmNorm);
/// The suffix of the metric columns of an SVM reference (docs/design.md §6): the norm's name ("fro",
/// "lp"), and for lp with several svm.p the exponent too ("lp1.75", "lp3").
std::string reference_suffix(SvmNorm norm, double p, const SvmConfig& svm);
/// The SVM norm a JSON string names ("fro", "nuc", "lp", "l1diag": the one table of norm names, that of
/// svm.norms); throws InputError naming `field` for anything else.
SvmNorm svm_norm_of(const Json& text, const std::string& field);
const char* name(QueryMode);

/// Reads a whole file; throws InputError naming the path when it cannot be read.
std::string read_text_file(const std::string& path);
/// Parses JSON text; throws InputError with `what` and the parser's position on malformed input.
Json parse_json(const std::string& text, const std::string& what);

}  // namespace attnsvm
