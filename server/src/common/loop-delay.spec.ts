import { LoopDelay, PACE_BEHIND_MS, PACE_CALM_MS, claimPace } from './loop-delay.js';

/** Holds the event loop, as a long synchronous turn does. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const turn = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LoopDelay', () => {
  it('sees a turn that held the loop, then forgets it', async () => {
    const delay = new LoopDelay(5);
    delay.start();
    try {
      await turn(30);
      block(120);
      await turn(15); // the timer fires late and records the stall
      const seen = delay.recentMs();
      expect(seen).toBeGreaterThanOrEqual(80);
      // Decays: halves every 250 ms (sampling stopped, so a busy machine cannot add a new delay).
      delay.stop();
      await turn(600);
      expect(delay.recentMs()).toBeLessThan(seen / 3);
    } finally {
      delay.stop();
    }
  });

  it('keeps the largest recent delay, decayed from when it was seen', () => {
    const delay = new LoopDelay();
    delay.observe(100, 1000);
    delay.observe(10, 1010); // smaller: the 100 ms stays
    expect(delay.recentMs(1010)).toBeCloseTo(100 / 2 ** (10 / 250), 5);
    expect(delay.recentMs(1250)).toBeCloseTo(50, 5);
    delay.observe(60, 1250); // larger than what is left of 100 ms
    expect(delay.recentMs(1250)).toBe(60);
  });
});

describe('claimPace', () => {
  it('claims every free slot while the loop keeps up', () => {
    expect(claimPace(200, 0)).toEqual({ take: 200, pauseMs: 0 });
    expect(claimPace(16, PACE_CALM_MS - 1)).toEqual({ take: 16, pauseMs: 0 });
  });

  it('claims a quarter after a short pause when the loop is late', () => {
    expect(claimPace(200, PACE_CALM_MS)).toEqual({ take: 50, pauseMs: 5 });
    expect(claimPace(3, PACE_BEHIND_MS - 1)).toEqual({ take: 1, pauseMs: 5 });
  });

  it('claims an eighth after a pause that grows with the delay (capped) when the loop is behind', () => {
    expect(claimPace(200, PACE_BEHIND_MS)).toEqual({ take: 25, pauseMs: Math.round(PACE_BEHIND_MS / 2) });
    expect(claimPace(16, 5000)).toEqual({ take: 2, pauseMs: 50 });
    expect(claimPace(4, 5000)).toEqual({ take: 1, pauseMs: 50 });
  });

  it('never claims without a free slot, and never stops claiming with one', () => {
    expect(claimPace(0, 0).take).toBe(0);
    for (const d of [0, 30, 60, 90, 1000]) expect(claimPace(1, d).take).toBe(1);
  });
});
