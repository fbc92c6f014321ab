// Embedded frames pause while scrolled off screen (or in a hidden tab) and resume when visible again — but
// only runs they paused themselves: a visitor's pause stays a pause.
import type { PageApi } from '../page.js';

/** Installs the off-screen pause (wrapping api.play and api.pause: anyone else's play or pause wins). */
export function installVisibilityPause(api: PageApi): void {
  let onScreen = true;
  let pausedByUs = false;
  const { play, pause } = api;
  api.play = () => {
    pausedByUs = false;
    return play();
  };
  api.pause = () => {
    pausedByUs = false;
    return pause();
  };
  const isVisible = () => onScreen && document.visibilityState === 'visible';
  const update = () => {
    const visible = isVisible();
    document.body.dataset.visible = String(visible);
    if (!visible && api.client.state.playing) {
      pausedByUs = true;
      void pause();
    } else if (visible && pausedByUs) {
      pausedByUs = false;
      if (!api.client.state.playing) void play();
    }
  };
  // inside an iframe, the implicit root is the top-level viewport: the frame's content intersects it only
  // while the frame itself is on screen
  const observer = new IntersectionObserver((entries) => {
    onScreen = entries[entries.length - 1].isIntersecting;
    update();
  });
  observer.observe(document.body);
  document.addEventListener('visibilitychange', update);
  // a run that starts (autoplay, a host's play) while off screen pauses at its first snapshot
  api.client.onSnapshot((_snap, state) => {
    if (state.playing && !isVisible() && !pausedByUs) update();
  });
  // the play button (main.ts's own handler) clears the flag too
  document.getElementById('play')?.addEventListener('click', () => (pausedByUs = false));
}
