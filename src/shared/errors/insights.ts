/**
 * Errors of the Insights analytics (events, rollups, export). Tracking itself never throws into a
 * caller: a bad event is counted and logged. These codes reach the Insights room's own actions
 * (export, import of an export, delete-all, retention) and its tests.
 */
import { BaseError, type BaseErrorOptions } from './base';

export type InsightsErrorCode =
  /** An export file that is not an Atelier analytics export (or a broken one). */
  | 'insights-bad-export'
  /** The retention setting is not a whole number of days in range. */
  | 'insights-bad-retention'
  /** IndexedDB refused a read or write (quota, closed database, blocked upgrade). */
  | 'insights-storage-failed';

export class InsightsError extends BaseError<InsightsErrorCode> {
  override name = 'InsightsError' as const;
  constructor(code: InsightsErrorCode, message: string, options?: BaseErrorOptions) {
    super(code, message, options);
  }
}
