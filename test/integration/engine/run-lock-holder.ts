/** Holds a run lock in its own process until killed, for the run-lock tests. */
import { postgresRunLock, sqliteRunLock } from '../../../core/engine/locks/run-lock.ts';

const [kind, target, workspace, runId] = process.argv.slice(2) as [string, string, string, string];
const lock = kind === 'postgres' ? postgresRunLock(target, workspace) : sqliteRunLock(target, workspace);
const attempt = await lock.tryAcquire('etl_moderation', runId);
process.stdout.write(attempt.acquired ? 'acquired\n' : `refused ${JSON.stringify(attempt.heldBy)}\n`);
setInterval(() => undefined, 60_000);
