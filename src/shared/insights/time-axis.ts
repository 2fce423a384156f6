/**
 * Time axes in the artist's calendar: a span of local days is drawn in day, week or month buckets
 * (whichever fits the span), and the ticks that fit the chart's width are labelled "3 Dec",
 * "30 Nov" (a week, by its Monday) or "Dec", with the year on the first tick and wherever it
 * changes ("29 Dec 2025", "5 Jan 2026"). Pure calendar arithmetic on YYYY-MM-DD keys.
 */

export type TimeScale = 'day' | 'week' | 'month';

/** Longest span (days, inclusive) drawn in days; up to WEEK_SPAN days it is drawn in weeks. */
export const DAY_SPAN = 35;
export const WEEK_SPAN = 26 * 7;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parts(day: string): [number, number, number] {
  return day.split('-').map(Number) as [number, number, number];
}
function toUtc(day: string): number {
  const [y, m, d] = parts(day);
  return Date.UTC(y, m - 1, d);
}
function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
function addDays(day: string, n: number): string {
  return fromUtc(toUtc(day) + n * 86_400_000);
}

/** Days from `from` to `to`, both counted. */
export function spanDays(from: string, to: string): number {
  return Math.round((toUtc(to) - toUtc(from)) / 86_400_000) + 1;
}

/** The scale that fits a span. */
export function scaleFor(from: string, to: string): TimeScale {
  const days = spanDays(from, to);
  return days <= DAY_SPAN ? 'day' : days <= WEEK_SPAN ? 'week' : 'month';
}

/** The bucket (its first day) that holds `day`: the day, its week's Monday, or the 1st. */
export function bucketOf(day: string, scale: TimeScale): string {
  if (scale === 'day') return day;
  if (scale === 'month') return `${day.slice(0, 7)}-01`;
  const weekday = (new Date(toUtc(day)).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(day, -weekday);
}

function nextBucket(bucket: string, scale: TimeScale): string {
  if (scale === 'day') return addDays(bucket, 1);
  if (scale === 'week') return addDays(bucket, 7);
  const [y, m] = parts(bucket);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** Every bucket from the one holding `from` to the one holding `to`. */
export function buckets(from: string, to: string, scale: TimeScale): string[] {
  const out: string[] = [];
  const last = bucketOf(to, scale);
  for (let b = bucketOf(from, scale); b <= last; b = nextBucket(b, scale)) out.push(b);
  return out;
}

/** Sums `values` (by day) into the buckets: the bucket's index for each day. */
export function sumByBucket(
  days: { day: string; value: number }[],
  bucketDays: string[],
  scale: TimeScale,
): number[] {
  const index = new Map(bucketDays.map((b, i) => [b, i] as const));
  const out = bucketDays.map(() => 0);
  for (const { day, value } of days) {
    const i = index.get(bucketOf(day, scale));
    if (i !== undefined) out[i]! += value;
  }
  return out;
}

/** A bucket's full name, for summaries and the legend: "3 Dec 2026", "week of 30 Nov 2026", "Dec 2026". */
export function bucketName(bucket: string, scale: TimeScale): string {
  const [y, m, d] = parts(bucket);
  if (scale === 'month') return `${MONTHS[m - 1]} ${y}`;
  return `${scale === 'week' ? 'week of ' : ''}${d} ${MONTHS[m - 1]} ${y}`;
}

/**
 * Labels for the ticks shown (indices into `bucketDays`): the year only on the first one and
 * where it changes from the tick before.
 */
export function tickLabels(bucketDays: string[], scale: TimeScale, shown: number[]): string[] {
  let year = NaN;
  return shown.map((i) => {
    const bucket = bucketDays[i];
    if (!bucket) return '';
    const [y, m, d] = parts(bucket);
    const withYear = y !== year;
    year = y;
    const base = scale === 'month' ? MONTHS[m - 1]! : `${d} ${MONTHS[m - 1]}`;
    return withYear ? `${base} ${y}` : base;
  });
}

/**
 * Which of `n` ticks to show in `widthPx` so that labels of about `labelChars` characters never
 * overlap: every k-th, with k the smallest step that fits (≈7 px a character, 16 px between).
 */
export function pickTicks(n: number, widthPx: number, labelChars: number): number[] {
  if (n <= 0) return [];
  const per = labelChars * 7 + 16;
  const fit = Math.max(1, Math.floor(widthPx / per));
  const step = Math.ceil(n / fit);
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}
