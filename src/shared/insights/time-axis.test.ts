import { describe, expect, it } from 'vitest';
import {
  bucketName,
  buckets,
  bucketOf,
  pickTicks,
  scaleFor,
  sumByBucket,
  tickLabels,
} from './time-axis';

describe('time axis', () => {
  it('picks day, week or month buckets from the span', () => {
    expect(scaleFor('2026-12-03', '2026-12-03')).toBe('day');
    expect(scaleFor('2026-11-01', '2026-12-05')).toBe('day'); // 35 days
    expect(scaleFor('2026-11-01', '2026-12-06')).toBe('week');
    expect(scaleFor('2026-01-01', '2026-12-03')).toBe('month');
  });

  it('one day of data is one bucket labelled with its own date and year', () => {
    const b = buckets('2026-12-03', '2026-12-03', 'day');
    expect(b).toEqual(['2026-12-03']);
    expect(tickLabels(b, 'day', [0])).toEqual(['3 Dec 2026']);
    expect(bucketName('2026-12-03', 'day')).toBe('3 Dec 2026');
  });

  it('weeks start on Monday and months on the 1st; the year shows where it changes', () => {
    expect(bucketOf('2026-12-03', 'week')).toBe('2026-11-30');
    expect(bucketOf('2026-12-03', 'month')).toBe('2026-12-01');
    const weeks = buckets('2025-12-20', '2026-01-10', 'week');
    expect(weeks).toEqual(['2025-12-15', '2025-12-22', '2025-12-29', '2026-01-05']);
    expect(tickLabels(weeks, 'week', [0, 1, 2, 3])).toEqual([
      '15 Dec 2025',
      '22 Dec',
      '29 Dec',
      '5 Jan 2026',
    ]);
    const months = buckets('2025-11-15', '2026-02-01', 'month');
    expect(tickLabels(months, 'month', [0, 1, 2, 3])).toEqual([
      'Nov 2025',
      'Dec',
      'Jan 2026',
      'Feb',
    ]);
    expect(bucketName('2025-11-01', 'month')).toBe('Nov 2025');
  });

  it('sums days into their buckets', () => {
    const months = buckets('2026-01-10', '2026-03-02', 'month');
    expect(
      sumByBucket(
        [
          { day: '2026-01-10', value: 2 },
          { day: '2026-01-31', value: 1 },
          { day: '2026-03-02', value: 5 },
        ],
        months,
        'month',
      ),
    ).toEqual([3, 0, 5]);
  });

  it('shows only as many ticks as fit without overlapping', () => {
    expect(pickTicks(1, 300, 10)).toEqual([0]);
    expect(pickTicks(10, 1000, 6)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // 30 labels of 6 characters (58 px each) in 300 px: 5 fit, every 6th shown.
    expect(pickTicks(30, 300, 6)).toEqual([0, 6, 12, 18, 24]);
    expect(pickTicks(0, 300, 6)).toEqual([]);
  });
});
