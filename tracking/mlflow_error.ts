/** An MLflow request that failed: the server's error_code and message, or why it could not answer. */
export class MlflowError extends Error {
  /** HTTP status, or undefined when the server could not be reached. */
  readonly status: number | undefined;
  /** MLflow's `error_code` (e.g. `RESOURCE_ALREADY_EXISTS`), when the server sent one. */
  readonly errorCode: string | undefined;
  /** True for faults worth retrying later (unreachable, 5xx): the run is kept for `sync`. */
  readonly transient: boolean;

  constructor(
    message: string,
    options: { status?: number; errorCode?: string; transient?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "MlflowError";
    this.status = options.status;
    this.errorCode = options.errorCode;
    this.transient = options.transient ?? false;
  }
}
