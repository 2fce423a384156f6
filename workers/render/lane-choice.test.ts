import { describe, expect, it } from 'vitest';
import { LaneChoice } from './lane-choice';

/** Renders `n` times with the given ms per MP for each way; the ways taken, in order. */
function drive(choice: LaneChoice, n: number, cost: (sideBySide: boolean, i: number) => number) {
  const taken: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const way = choice.sideBySide();
    taken.push(way);
    choice.record(way, cost(way, i), 1e6);
  }
  return taken;
}

describe('LaneChoice', () => {
  it('tries each way twice, then keeps to the faster, trying the other now and then', () => {
    const choice = new LaneChoice(8);
    const taken = drive(choice, 40, (side) => (side ? 30 : 50));
    expect(taken.slice(0, 4)).toEqual([true, false, true, false]);
    const later = taken.slice(4);
    expect(later.filter((w) => w).length).toBeGreaterThan(later.length * 0.8);
    expect(later.filter((w) => !w).length).toBeGreaterThan(0);
    expect(choice.costs).toEqual({ sideBySide: 30, oneLane: 50 });
  });

  it('ignores the slow first render of each way', () => {
    const choice = new LaneChoice(8);
    // Side by side costs 400 ms the first time (workers starting), then 30; one lane 50.
    const taken = drive(choice, 12, (side, i) => (side ? (i === 0 ? 400 : 30) : 50));
    expect(taken.slice(4).filter((w) => w).length).toBeGreaterThan(6);
  });

  it('is not turned by one slow render', () => {
    const choice = new LaneChoice(8);
    // Side by side 30 but every 10th render slowed to 200 by something else; one lane 45.
    const taken = drive(choice, 60, (side, i) => (side ? (i % 10 === 9 ? 200 : 30) : 45));
    expect(taken.slice(4).filter((w) => w).length).toBeGreaterThan(56 * 0.8);
    expect(choice.costs.sideBySide).toBe(30);
  });

  it('moves to one lane when the machine gets busy, and back when it is quiet again', () => {
    const choice = new LaneChoice(4);
    const busy = (i: number) => i >= 20 && i < 60;
    // Quiet: side by side 30, one lane 45; busy: side by side 90, one lane 60.
    const taken = drive(choice, 100, (side, i) => (busy(i) ? (side ? 90 : 60) : side ? 30 : 45));
    const share = (from: number, to: number) =>
      taken.slice(from, to).filter((w) => w).length / (to - from);
    expect(share(8, 20)).toBeGreaterThan(0.6);
    expect(share(35, 60)).toBeLessThan(0.4);
    expect(share(80, 100)).toBeGreaterThan(0.6);
  });

  it('takes the way not taken as soon as a try of it beats the way taken (figures from warm-up)', () => {
    const choice = new LaneChoice(8);
    // Side by side costs 80 while its lanes warm up (its first 2 renders), then 20; one lane 35.
    let sides = 0;
    const taken = drive(choice, 30, (side) => (side ? (sides++ < 2 ? 80 : 20) : 35));
    // After the warm-up one lane is taken until the first try shows side by side faster; then
    // side by side from the next render on (with a window of five it took until ~render 40).
    const firstTry = taken.indexOf(true, 6);
    expect(firstTry).toBe(8);
    expect(taken.slice(firstTry + 1).filter((w) => w).length).toBeGreaterThan(
      (taken.length - firstTry - 1) * 0.8,
    );
  });
});
