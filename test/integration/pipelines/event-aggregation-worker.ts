/** Runs event_aggregation in its own process for the crash tests; each log line goes to stdout as it happens. */
import { runEventAggregation, type EventAggregationConfig } from '../../../core/pipelines/event-aggregation/pipeline.ts';
import { SqlCatalog } from '../../../core/iceberg/catalog/sql-catalog.ts';
import { PostgresDriver } from '../../../core/iceberg/catalog/sql-driver.ts';
import { fileIOFor, type FileIOConfig } from '../../../core/io/resolve-file-io.ts';

const { db, warehouse, io, config } = JSON.parse(process.argv[2]!) as { db: string; warehouse: string; io: FileIOConfig; config: EventAggregationConfig };
const catalog = new SqlCatalog({ name: 'gourmetgram', driver: new PostgresDriver(db), warehouse, io: (l) => fileIOFor(l, io) });
let done = 0;
await runEventAggregation(config, { catalog, io: (l) => fileIOFor(l, io) }, {
  log: (level, message) => process.stdout.write(`${level} ${message}\n`),
  // Progress lines let the crash test kill the run in the middle of reading a topic.
  advance: (n) => { done += n; process.stdout.write(`progress ${done} messages\n`); },
});
await catalog.close();
process.stdout.write('finished\n');
