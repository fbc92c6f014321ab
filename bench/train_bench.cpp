// Training-step throughput of the native core: steps/s for W, KQ and multihead (H = 4), logistic loss,
// normalised GD, at the papers' size S and the larger M and L (issue: performance). Prints a table.
#include <chrono>
#include <cstdio>
#include <string>

#include "session.hpp"

using namespace attnsvm;

namespace {

struct Size {
  const char* name;
  int n, T, d;
};

double steps_per_second(const std::string& json, double seconds) {
  Session session = Session::from_json(json);
  long steps = 1;
  for (;;) {
    auto start = std::chrono::steady_clock::now();
    session.step(steps);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (took > seconds) return steps / took;
    steps *= 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::stod(argv[1]) : 0.5;
  const Size sizes[] = {{"S", 6, 8, 10}, {"M", 64, 32, 32}, {"L", 512, 64, 64}};
  const char* models[] = {R"("param": "W")", R"("param": "KQ")", R"("param": "multihead", "heads": 4)"};
  const char* names[] = {"W", "KQ", "multihead H=4"};
  std::printf("%-4s %-14s %8s %8s %8s %14s %12s\n", "size", "model", "n", "T", "d", "steps/s", "us/step");
  for (const auto& s : sizes)
    for (int m = 0; m < 3; ++m) {
      std::string json = "{\"data\": {\"n\": " + std::to_string(s.n) + ", \"T\": " + std::to_string(s.T) +
                         ", \"d\": " + std::to_string(s.d) + "}, \"model\": {" + models[m] +
                         "}, \"optimizer\": {\"kind\": \"ngd\", \"lr\": 0.1}, \"run\": {\"record_every\": 1000000000}}";
      double rate = steps_per_second(json, seconds);
      std::printf("%-4s %-14s %8d %8d %8d %14.0f %12.2f\n", s.name, names[m], s.n, s.T, s.d, rate, 1e6 / rate);
    }
}
