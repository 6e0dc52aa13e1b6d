/**
 * Runs etl_moderation in its own process for the kill -9 test; each log line goes to stdout as it
 * happens. With `freezeAt`, the first log line that matches it is printed, then "frozen", and the
 * process stops dead right there (synchronously: not even a pending promise runs) until the test
 * kills it: a kill at an exact point, e.g. after the data files are written and before the commit.
 * Run with `node --import tsx` so that the pid the test kills is this process, not a launcher.
 */
import { writeSync } from 'node:fs';
import { SqlCatalog } from '../../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver } from '../../../core/iceberg/catalog/sql-driver.ts';
import { fileIOFor, type FileIOConfig } from '../../../core/io/resolve-file-io.ts';
import { runEtlModeration, type EtlModerationConfig } from '../../../core/pipelines/etl-moderation/pipeline.ts';
import { postgresSource } from '../../../core/sources/sql-source.ts';

export interface KillWorkerArgs {
  catalogUri: string;
  warehouse: string;
  io: FileIOConfig;
  sourceUrl: string;
  config: EtlModerationConfig;
  runId: string;
  /** The run's reference time, ms. */
  now: number;
  freezeAt?: string;
}

const args = JSON.parse(process.argv[2]!) as KillWorkerArgs;
const io = (l: string) => fileIOFor(l, args.io);
const catalog = new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(args.catalogUri), warehouse: args.warehouse, io });
const freezeAt = args.freezeAt ? new RegExp(args.freezeAt) : null;
await runEtlModeration(args.config, { catalog, io, source: postgresSource(args.sourceUrl) }, {
  log: (level, message) => {
    writeSync(1, `${level} ${message}\n`);
    if (freezeAt?.test(message)) {
      writeSync(1, 'frozen\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
  },
}, args.runId, args.now);
await catalog.close();
writeSync(1, 'finished\n');
