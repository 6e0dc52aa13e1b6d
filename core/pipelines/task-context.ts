/**
 * What a pipeline task gets from whoever runs it (the engine, a test, the CLI): cancellation,
 * progress and structured logs. Pipelines report through this and never print.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface TaskContext {
  signal?: AbortSignal;
  /** The total work is known (e.g. messages between the start offsets and the watermarks). */
  setTotal?(total: number, unit: string): void;
  /** `done` more units finished. */
  advance?(done: number): void;
  log?(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export const silentContext: TaskContext = {};
