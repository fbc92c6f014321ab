// Classroom exercises: data only. Each is a named starting state, a question, a goal the page checks live
// from the engine's snapshots (classroom/checker.ts), hints, the answer, and a known solution (a state
// change) that meets the goal — the page tests apply every solution and check that its goal is met.
// Text is our own: plain words with $…$ math, typeset by KaTeX (mathtext.ts).
import type { Claim } from './claims.js';
import type { Goal } from './classroom/checker.js';
import type { State } from './state.js';

/** One exercise. */
export interface Exercise {
  /** URL-safe identifier (the `exercise` URL field). */
  id: string;
  title: string;
  /** The task; $…$ is math. */
  question: string;
  /** The starting state, on top of the defaults (hidden controls included). */
  state: Partial<State>;
  goal: Goal;
  hints: readonly string[];
  /** The answer revealed on request; $…$ is math. */
  answer: string;
  /** A change of the starting state that meets the goal (the "show me" button applies it). */
  solution: Partial<State>;
  /** What the question and answer say a run shows, checked by `npm run reproduce` (claims.ts); quoted as {id}. */
  claims?: readonly Claim[];
}

const standard: Partial<State> = {
  kind: 'gaussian-unit',
  n: 6,
  T: 8,
  d: 10,
  seed: 1,
  query: 'cross',
  decoder: 'fixed',
  param: 'W',
  speed: '20',
};
const global: Partial<State> = { ...standard, kind: 'global' };

/** Every exercise, in menu order. */
export const EXERCISES: readonly Exercise[] = [
  {
    id: 'ngd-step',
    title: 'A step size for normalised GD',
    question:
      'Normalised GD converges in direction to the Frobenius Att-SVM $W_{mm}$, but with $\\eta = 0.05$ it is slow. ' +
      'Find a step size $\\eta$ for which $\\mathrm{corr}(W_t, W_{mm})$ reaches 0.99 in under 500 steps.',
    state: { ...standard, optimizer: 'ngd', lr: 0.05, init: 'gaussian', initStd: 0.01, norms: ['fro'], tokens: 'optimal' },
    goal: { all: [{ metric: 'corr_fro', op: '>=', value: 0.99 }], maxStep: 500 },
    hints: [
      'Changing the step size keeps the run going; press reset to count the 500 steps from the start.',
      'NGD moves $W$ by exactly $\\eta$ per step in Frobenius norm: how large must $\\|W_t\\|$ be before the attention saturates?',
    ],
    answer:
      'Any $\\eta \\gtrsim 0.3$. Since $\\|W_t\\| \\approx \\eta t$ grows linearly, a larger $\\eta$ reaches the saturated regime, where ' +
      'the direction lines up with $W_{mm}$, sooner: $\\eta = 1$ passes 0.995 by step {eta1} and $\\eta = 0.3$ passes 0.99 by ' +
      'step {eta03}, while the starting $\\eta = 0.05$ is at {start} after 500 steps.',
    solution: { lr: 1 },
    claims: [
      {
        id: 'eta1',
        says: 'with $\\eta = 1$ the correlation passes 0.995',
        metric: 'corr_fro',
        stat: 'first',
        op: '>=',
        value: 0.995,
        step: 500,
        seeds: 1,
        state: { lr: 1 },
        quick: true,
      },
      {
        id: 'eta03',
        says: 'with $\\eta = 0.3$ the correlation passes 0.99 within 500 steps',
        metric: 'corr_fro',
        stat: 'first',
        op: '>=',
        value: 0.99,
        step: 500,
        seeds: 1,
        state: { lr: 0.3 },
        quick: true,
      },
      {
        id: 'start',
        says: 'the starting $\\eta = 0.05$ does not reach 0.99 within 500 steps',
        metric: 'corr_fro',
        op: '<=',
        value: 0.99,
        step: 500,
        seeds: 1,
        quick: true,
      },
    ],
  },
  {
    id: 'find-p',
    title: 'Which ℓp SVM does mirror descent find?',
    question:
      'This run is ℓp mirror descent with potential $\\psi(W) = \\|W\\|_p^p / p$; its $p$ is hidden. Set the p of the ℓp SVM ' +
      'reference so that the run converges to that SVM: $\\mathrm{corr}(W_t, W^{p}_{mm}) \\ge 0.995$ within 1000 steps.',
    state: {
      ...standard,
      optimizer: 'md',
      p: 1.5,
      normalized: true,
      lr: 0.1,
      init: 'zero',
      norms: ['lp', 'fro'],
      svmP: 3,
      tokens: 'optimal',
      hide: ['p'],
    },
    goal: { all: [{ metric: 'corr_lp', op: '>=', value: 0.995 }], maxStep: 1000 },
    hints: [
      'Try values of “ℓp SVM p” between 1.25 and 3 and compare the ℓp correlation and Bregman curves.',
      'The implicit bias follows the geometry of the mirror map.',
    ],
    answer:
      '$p = 1.5$: mirror descent with $\\psi = \\|\\cdot\\|_p^p / p$ converges in direction to the $\\ell_p$-norm Att-SVM of the ' +
      'same $p$ (Julistiono, Tarzanagh, Azizan 2024): with SVM $p = 1.5$ the correlation passes 0.995 by step {match}; ' +
      'with the starting $p = 3$ it is {mismatch} at step 1,000.',
    solution: { svmP: 1.5 },
    claims: [
      {
        id: 'match',
        says: 'against the SVM of the same $p$ the correlation passes 0.995',
        metric: 'corr_lp',
        stat: 'first',
        op: '>=',
        value: 0.995,
        step: 1000,
        seeds: 1,
        state: { svmP: 1.5 },
        quick: true,
      },
      {
        id: 'mismatch',
        says: 'against the $\\ell_3$ SVM the correlation stays below 0.99',
        metric: 'corr_lp',
        op: '<=',
        value: 0.99,
        step: 1000,
        seeds: 1,
        quick: true,
      },
    ],
  },
  {
    id: 'kq-nuclear',
    title: 'Which SVM does the KQ run approach?',
    question:
      'Here $W = KQ^\\top$ is trained by normalised GD, and its correlation with the Frobenius SVM stalls near {fro}. ' +
      'Which Att-SVM does it approach? Add that reference and show $\\mathrm{corr} \\ge 0.94$ within 1000 steps.',
    state: { ...standard, param: 'KQ', optimizer: 'ngd', lr: 0.1, norms: ['fro'], tokens: 'selected' },
    goal: { all: [{ metric: 'corr_nuc', op: '>=', value: 0.94 }], maxStep: 1000 },
    hints: [
      'Look at the singular values of $W_t$ in the matrices panel: how many are large?',
      'Which norm is small for low-rank matrices?',
    ],
    answer:
      'The nuclear-norm Att-SVM $\\arg\\min \\|W\\|_*$: training the factors $K$ and $Q$ separately biases the product towards ' +
      'low rank (Tarzanagh et al. 2023; Sheen et al. 2024). Its correlation passes 0.94 by step {nuc} while the Frobenius one ' +
      'stays near {fro}.',
    solution: { norms: ['fro', 'nuc'] },
    claims: [
      {
        id: 'fro',
        says: 'the correlation with the Frobenius SVM stalls below 0.94',
        metric: 'corr_fro',
        op: '<=',
        value: 0.94,
        step: 1000,
        seeds: 1,
        quick: true,
      },
      {
        id: 'nuc',
        says: 'the correlation with the nuclear-norm SVM passes 0.94',
        metric: 'corr_nuc',
        stat: 'first',
        op: '>=',
        value: 0.94,
        step: 1000,
        seeds: 1,
        state: { norms: ['fro', 'nuc'] },
        quick: true,
      },
    ],
  },
  {
    id: 'sparsify',
    title: 'Make the attention sparse, fast',
    question:
      'Plain GD on a prompt $p$ sparsifies the attention slowly. Change the optimiser so that ' +
      '$\\log_{10}(1 - s_{i\\alpha_i}) \\le -6$ for every sequence within 300 steps.',
    state: {
      kind: 'toy',
      toy: 'mmts-multi',
      seed: 1,
      param: 'prompt',
      optimizer: 'gd',
      lr: 1,
      init: 'zero',
      norms: ['fro'],
      tokens: 'optimal',
      speed: '5',
    },
    goal: { all: [{ metric: 'log10_1m_s_opt', op: '<=', value: -6 }], maxStep: 300 },
    hints: [
      'Watch the sparsification curve on its log axis: is the decay exponential or polynomial?',
      'What happens to the gradient of GD as the softmax saturates?',
    ],
    answer:
      'Normalised GD (or a Polyak step): GD’s gradient vanishes as the softmax saturates, so $\\|p_t\\|$ grows like $\\log t$ and ' +
      '$1 - s$ decays slowly ($\\log_{10}(1 - s)$ is still {gd} at step 300); NGD grows $\\|p_t\\|$ linearly and $1 - s$ decays exponentially — ' +
      'below $10^{-6}$ from step {ngd} on.',
    solution: { optimizer: 'ngd', lr: 0.1 },
    claims: [
      {
        id: 'ngd',
        says: 'under NGD $\\log_{10}(1 - s_{i\\alpha_i})$ falls below $-6$ for every sequence within 300 steps',
        metric: 'log10_1m_s_opt',
        stat: 'first',
        op: '<=',
        value: -6,
        step: 300,
        seeds: 1,
        state: { optimizer: 'ngd', lr: 0.1 },
        quick: true,
      },
      {
        id: 'gd',
        says: 'under plain GD it is still above $-6$ at step 300',
        metric: 'log10_1m_s_opt',
        op: '>=',
        value: -6,
        step: 300,
        seeds: 1,
        quick: true,
      },
    ],
  },
  {
    id: 'polyak',
    title: 'GD selects the wrong token',
    question:
      'On this “global” dataset plain GD attends to a non-optimal token in one sequence and its correlation with $W_{mm}$ ' +
      'stalls near {gd}. Pick an optimiser that reaches $\\mathrm{corr}(W_t, W_{mm}) \\ge 0.999$ within 300 steps.',
    state: { ...global, optimizer: 'gd', lr: 1, norms: ['fro'], tokens: 'optimal' },
    goal: { all: [{ metric: 'corr_fro', op: '>=', value: 0.999 }], maxStep: 300 },
    hints: [
      'The heatmap marks the optimal token with a red square and the current argmax with a dot.',
      'An adaptive step size does not need tuning.',
    ],
    answer:
      'The Polyak step $\\eta_t = (L(W_t) - L^*) / \\|\\nabla L\\|^2$ (Vasudeva, Deora, Thrampoulidis 2024) takes large steps ' +
      'while far from $L^*$, selects the optimal tokens and passes 0.999 by step {polyak}.',
    solution: { optimizer: 'polyak' },
    claims: [
      {
        id: 'gd',
        says: 'plain GD stalls: the correlation stays below 0.8 at step 300',
        metric: 'corr_fro',
        op: '<=',
        value: 0.8,
        step: 300,
        seeds: 1,
        quick: true,
      },
      {
        id: 'polyak',
        says: 'the Polyak step passes 0.999 within 300 steps',
        metric: 'corr_fro',
        stat: 'first',
        op: '>=',
        value: 0.999,
        step: 300,
        seeds: 1,
        state: { optimizer: 'polyak' },
        quick: true,
      },
    ],
  },
  {
    id: 'normalised-md',
    title: 'Speed up mirror descent',
    question:
      'ℓ1.75 mirror descent from $W_0 = 0$ converges to the ℓ1.75 Att-SVM — eventually. Without changing the optimiser ' +
      'or the step size, bring the Bregman divergence $D_\\psi(\\bar W^{p}_{mm}, \\bar W_t)$ below 0.005 within 1000 steps.',
    state: {
      ...standard,
      optimizer: 'md',
      p: 1.75,
      normalized: false,
      lr: 0.1,
      init: 'zero',
      norms: ['lp', 'fro'],
      svmP: 1.75,
      tokens: 'optimal',
      hide: ['opt', 'lr'],
    },
    goal: { all: [{ metric: 'bregman_lp', op: '<=', value: 0.005 }], maxStep: 1000 },
    hints: ['One checkbox of the optimiser changes how large each step is.', 'Compare with what NGD does for GD.'],
    answer:
      'Tick “normalised”: dividing the gradient by its dual norm $\\|\\nabla L\\|_q$ keeps the steps from vanishing as the loss ' +
      'saturates, and the divergence passes 0.005 by step {normalized} ({plain} after 1000 unnormalised steps).',
    solution: { normalized: true },
    claims: [
      {
        id: 'normalized',
        says: 'normalised, the Bregman divergence falls below 0.005 within 1,000 steps',
        metric: 'bregman_lp',
        stat: 'first',
        op: '<=',
        value: 0.005,
        step: 1000,
        seeds: 1,
        state: { normalized: true },
        quick: true,
      },
      {
        id: 'plain',
        says: 'unnormalised, it is still above 0.005 at step 1,000',
        metric: 'bregman_lp',
        op: '>=',
        value: 0.005,
        step: 1000,
        seeds: 1,
        quick: true,
      },
    ],
  },
  {
    id: 'wrong-start',
    title: 'A start that finds the optimal token',
    question:
      'From this initialisation GD locks onto a non-optimal token and the attention on the optimal token, ' +
      '$\\min_i s_{i\\alpha_i}$, goes to 0. Change only the initialisation so that $\\min_i s_{i\\alpha_i} \\ge 0.99$ within 400 steps.',
    state: {
      kind: 'toy',
      toy: 'mmts-single-local',
      param: 'prompt',
      optimizer: 'gd',
      lr: 1,
      init: 'gaussian',
      initStd: 3,
      initSeed: 5,
      norms: ['fro'],
      tokens: 'selected',
      speed: '5',
      hide: ['opt', 'lr'],
    },
    goal: { all: [{ metric: 'min_s_opt', op: '>=', value: 0.99 }], maxStep: 400 },
    hints: ['Try a few init seeds.', 'A tiny init std starts from uniform attention: is GD then fast enough?'],
    answer:
      'Gradient descent converges to a locally optimal token selection that depends on where it starts (Tarzanagh et al. 2023, ' +
      '“Max-margin token selection”): token 1 is locally optimal (the SVM panel says so), token 0 globally. ' +
      'From init seed 5 the attention on token 0 is {start} at step 400; init seed 6 (std 3) starts in the basin of the optimal ' +
      'token and reaches 0.99 by step {seed6}.',
    solution: { initSeed: 6 },
    claims: [
      {
        id: 'start',
        says: 'from init seed 5 the attention on the optimal token goes to 0',
        metric: 'min_s_opt',
        op: '<=',
        value: 0.01,
        step: 400,
        seeds: 1,
        quick: true,
      },
      {
        id: 'seed6',
        says: 'from init seed 6 it passes 0.99 within 400 steps',
        metric: 'min_s_opt',
        stat: 'first',
        op: '>=',
        value: 0.99,
        step: 400,
        seeds: 1,
        state: { initSeed: 6 },
        quick: true,
      },
    ],
  },
  {
    id: 'l1-diag',
    title: 'Which parameterisation gives the ℓ1 SVM?',
    question:
      'Find a parameterisation of the attention whose run converges to the ℓ1-norm SVM of the diagonal: ' +
      '$\\mathrm{corr}(W_t, W^{\\ell_1}_{mm}) \\ge 0.93$ within 600 steps.',
    state: { ...global, optimizer: 'ngd', lr: 0.1, loss: 'exponential', norms: ['l1diag', 'fro'], tokens: 'selected' },
    goal: { all: [{ metric: 'corr_l1diag', op: '>=', value: 0.93 }], maxStep: 600 },
    hints: ['The ℓ1-diagonal SVM only exists for diagonal matrices.', 'Think of diagonal linear networks $w = u \\odot v$.'],
    answer:
      '$W = \\mathrm{diag}(k \\odot q)$ (KQ-diag): as in diagonal linear networks, training the diagonal key and query ' +
      'weights separately biases towards the minimum-ℓ1 direction (Sheen, Chen, Wang, Zhou 2024): the correlation is {kqdiag} ' +
      'at step 600. It oscillates on the way (normalised steps of a fixed length), so watch it settle.',
    solution: { param: 'KQ-diag' },
    claims: [
      {
        id: 'kqdiag',
        says: 'with diagonal $K$, $Q$ the ℓ1-diagonal correlation is above 0.93 at step 600',
        metric: 'corr_l1diag',
        op: '>=',
        value: 0.93,
        step: 600,
        seeds: 1,
        state: { param: 'KQ-diag' },
        quick: true,
      },
    ],
  },
];

/** The exercise with this id, if any. */
export function exerciseById(id: string): Exercise | undefined {
  return EXERCISES.find((e) => e.id === id);
}
