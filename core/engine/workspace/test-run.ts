/**
 * How a connection test runs its steps: each under a deadline of a few seconds and the caller's
 * cancel signal, timed, its detail scrubbed of secrets, the test stopping at the first failure.
 */
import { redact } from '../../io/s3-errors.ts';
import { endpointText, ProbeError, resolveHost, tcpCheck } from './probes.ts';

export type StepName = 'config' | 'dns' | 'tcp' | 'tls' | 'auth' | 'database' | 'bucket' | 'topic' | 'catalog' | 'warehouse';

export interface ConnectionTestStep {
  step: StepName;
  ok: boolean;
  detail: string;
  ms: number;
}

/** Thrown inside a step with the whole actionable sentence, which becomes the step's detail. */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** Ends the test after a failed step (already recorded). */
export class Stop extends Error {}

export class TestRun {
  readonly steps: ConnectionTestStep[] = [];

  constructor(readonly signal: AbortSignal, readonly stepTimeoutMs: number, private readonly secrets: string[]) {}

  /**
   * Runs one step under its deadline. `context` starts a failure's detail ("Postgres at
   * 127.0.0.1:5433"); `fn` returns the value and the detail to show on success.
   */
  async step<T>(name: StepName, context: string, fn: (signal: AbortSignal) => Promise<{ value: T; detail: string }>): Promise<T> {
    const started = performance.now();
    const signal = AbortSignal.any([this.signal, AbortSignal.timeout(this.stepTimeoutMs)]);
    try {
      this.signal.throwIfAborted();
      const { value, detail } = await fn(signal);
      this.record(name, true, detail, started);
      return value;
    } catch (err) {
      this.record(name, false, this.explain(err, context, signal), started);
      throw new Stop();
    }
  }

  /** Records a step that needed no work, or whose outcome is already known. */
  note(name: StepName, ok: boolean, detail: string): void {
    this.record(name, ok, detail, performance.now());
    if (!ok) throw new Stop();
  }

  private record(step: StepName, ok: boolean, detail: string, started: number): void {
    this.steps.push({ step, ok, detail: redact(detail, this.secrets), ms: Math.round(performance.now() - started) });
  }

  private explain(err: unknown, context: string, signal: AbortSignal): string {
    if (this.signal.aborted) return `${context}: the test was cancelled`;
    if (signal.aborted || (err as Error)?.name === 'TimeoutError') {
      const limit = this.stepTimeoutMs >= 1000 ? `${Math.round(this.stepTimeoutMs / 1000)} s` : `${this.stepTimeoutMs} ms`;
      return `${context}: no answer within ${limit} — is this the right port for this service, is the server overloaded, or is a firewall dropping the connection?`;
    }
    if (err instanceof StepFailure) return err.message;
    if (err instanceof ProbeError) return `${context}: ${err.message}`;
    return `${context}: ${(err as Error)?.message ?? String(err)}`;
  }
}

/** Gives up on `work` when `signal` aborts, and runs `cleanup` (close the half-open client). */
export async function withCleanup<T>(work: Promise<T>, signal: AbortSignal, cleanup: () => unknown): Promise<T> {
  if (signal.aborted) {
    await cleanup();
    throw signal.reason as Error;
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      Promise.resolve().then(cleanup).catch(() => undefined);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The first two steps of every network test: the host name resolves (dns), and one of its
 * addresses accepts a TCP connection on the port (tcp). Returns the address that answered.
 */
export async function reach(run: TestRun, service: string, host: string, port: number): Promise<string> {
  const at = `${service} at ${endpointText(host, port)}`;
  const addresses = await run.step('dns', at, async (signal) => {
    const found = await resolveHost(host, signal);
    return { value: found, detail: found.length === 1 && found[0] === host ? `${host} is an IP address: no lookup needed` : `${host} resolves to ${found.join(', ')}` };
  });
  return run.step('tcp', at, async (signal) => {
    const address = await tcpCheck(addresses, port, signal);
    return { value: address, detail: `${endpointText(address, port)} accepts connections` };
  });
}
