/**
 * The three pipelines as task graphs over an opened workspace. Each task is one step a user
 * recognises in the run view, retried on its own: a failed load does not redo the extract.
 */
import type { JsonValue, PipelineName } from '../api/contract.ts';
import { runVerify } from '../pipelines/verify/pipeline.ts';
import { extractAll } from '../pipelines/etl-moderation/extract.ts';
import { transformFeatures } from '../pipelines/etl-moderation/pipeline.ts';
import { loadTrainingData } from '../pipelines/etl-moderation/training-table.ts';
import type { TrainingFeatureBuilder } from '../features/feature-builder.ts';
import { formatIdentifier } from '../iceberg/catalog/catalog.ts';
import { aggregateKind, EVENT_KINDS, recordGroupOffsets } from '../pipelines/event-aggregation/pipeline.ts';
import type { TopicResult } from '../pipelines/event-aggregation/aggregate-topic.ts';
import type { VerifyReport } from '../pipelines/verify/report.ts';
import type { Workspace } from './workspace/open.ts';
import type { WorkspaceConfig } from './workspace/config.ts';
import { PermanentError } from './runner/errors.ts';
import type { PipelineDefinition, RetryPolicy, TaskRunContext } from './runner/task-graph.ts';

interface TaskLimits {
  retry: RetryPolicy;
  timeoutMs: number;
}

function limits(settings: WorkspaceConfig['pipelines'][PipelineName]): TaskLimits {
  const r = settings.retry;
  return { retry: { retries: r.retries, delayMs: r.delaySeconds * 1000, backoff: r.backoff }, timeoutMs: settings.timeoutMinutes * 60_000 };
}

export function verifyPipeline(l: TaskLimits): PipelineDefinition<Workspace> {
  return {
    name: 'verify',
    description: 'Checks moderation.training_data against the FEATURES.md contract and the window tables\' counts and offsets',
    tasks: [{
      name: 'verify', ...l,
      run: async (ctx, ws): Promise<VerifyReport> => {
        const report = await runVerify(ws.pipelines.verify, ws, ctx);
        ctx.output('verify', report as unknown as JsonValue);
        for (const [status, n] of Object.entries(report.counts)) ctx.metric(`checks_${status}`, n);
        if (!report.ok) {
          const failed = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.title} (${c.detail})`);
          // The data is what it is: checking again would give the same answer.
          throw new PermanentError(`verify: ${failed.length} ${failed.length === 1 ? 'check' : 'checks'} failed: ${failed.join('; ')}`);
        }
        return report;
      },
    }],
  };
}

export function eventAggregationPipeline(l: TaskLimits): PipelineDefinition<Workspace> {
  const config = (ws: Workspace) => {
    if (!ws.pipelines.event_aggregation) throw new PermanentError('event_aggregation needs a Kafka connection: set connections.kafka in the workspace configuration');
    return ws.pipelines.event_aggregation;
  };
  return {
    name: 'event_aggregation',
    description: 'Kafka views, comments and flags into the 5-minute window tables, exactly once (offsets committed with the rows)',
    tasks: [
      // One task per topic: each commits its rows with its offsets, so each retries on its own.
      ...EVENT_KINDS.map((kind) => ({
        name: kind, ...l,
        run: async (ctx: TaskRunContext, ws: Workspace): Promise<TopicResult> => {
          const r = await aggregateKind(config(ws), ws, kind, ctx.runId, ctx);
          ctx.metric('messages', r.messages);
          ctx.metric('rows', r.rows);
          ctx.metric('rejected', r.rejected as unknown as JsonValue);
          ctx.metric('commit_attempts', r.commitAttempts);
          for (const w of r.warnings) ctx.log('warn', w);
          if (r.snapshotId) ctx.output('snapshots', { [r.table]: r.snapshotId });
          ctx.output('kafkaOffsets', { [r.topic]: r.endOffsets as unknown as JsonValue });
          if (r.rejectsObject) ctx.output('rejects', { [r.topic]: r.rejectsObject });
          ctx.log('info', `${r.topic}: ${r.messages} messages, ${r.rows} window rows${r.snapshotId ? ` in snapshot ${r.snapshotId}` : ' (nothing new)'}`);
          return r;
        },
      })),
      {
        name: 'consumer_group', needs: [...EVENT_KINDS], ...l,
        run: async (ctx, ws) => {
          await recordGroupOffsets(config(ws), EVENT_KINDS.map((k) => ctx.upstream<TopicResult>(k)), ctx);
        },
      },
    ],
  };
}

export function etlModerationPipeline(l: TaskLimits): PipelineDefinition<Workspace> {
  return {
    name: 'etl_moderation',
    description: 'Postgres tables to raw Parquet, the 26 training features (FEATURES.md), moderation.training_data replaced in one snapshot',
    tasks: [
      {
        name: 'extract', ...l,
        run: async (ctx, ws) => {
          if (!ws.source) throw new PermanentError('etl_moderation needs a Postgres source: set connections.postgres in the workspace configuration');
          const c = ws.pipelines.etl_moderation;
          await extractAll(ws.source, c.rawRoot, ws.io, ctx, (r) => {
            ctx.metric(`${r.table}_rows`, r.rows);
            ctx.metric(`${r.table}_bytes`, r.bytes);
            ctx.log('info', `extracted ${r.table}: ${r.rows} rows (${r.bytes} bytes) to ${r.location}`);
          });
        },
      },
      {
        name: 'transform', needs: ['extract'], ...l,
        run: async (ctx, ws): Promise<TrainingFeatureBuilder> => {
          // extract, which this needs, has checked the source exists.
          const builder = await transformFeatures(ws.pipelines.etl_moderation, { catalog: ws.catalog, io: ws.io, source: ws.source! }, ctx, Date.now());
          const m = builder.metrics();
          ctx.metric('images', m.images);
          ctx.metric('images_without_user', m.imagesWithoutUser);
          ctx.metric('rows_per_decision_point', m.rowsPerDecisionPoint);
          ctx.metric('label_positive', m.labelPositive);
          ctx.metric('label_negative', m.labelNegative);
          ctx.metric('window_source', m.source);
          if (m.imagesWithoutUser > 0) ctx.log('warn', `${m.imagesWithoutUser} images have no user and are left out (FEATURES.md)`);
          ctx.log('info', `transform: ${m.images} images from the ${m.source === 'windows' ? 'window tables (source A)' : 'milestone fallback (source B)'}`);
          return builder;
        },
      },
      {
        name: 'load', needs: ['transform'], ...l,
        run: async (ctx, ws) => {
          const c = ws.pipelines.etl_moderation;
          const builder = ctx.upstream<TrainingFeatureBuilder>('transform');
          const m = builder.metrics();
          const loaded = await loadTrainingData(ws.catalog, ws.io, builder.chunks(), {
            'floe.run-id': ctx.runId, 'floe.pipeline': 'etl_moderation', 'floe.window-source': m.source,
            'floe.images-without-user': String(m.imagesWithoutUser),
          }, c.trainingTable, ctx.signal, (files, bytes) => ctx.log('info', `load: ${files} data files written (${bytes} bytes); committing`));
          ctx.metric('rows', Number(loaded.records));
          ctx.output('snapshots', { [formatIdentifier(c.trainingTable)]: loaded.snapshotId.toString() });
          ctx.log('info', `load: committed snapshot ${loaded.snapshotId} of ${loaded.records} rows to ${formatIdentifier(c.trainingTable)}`);
        },
      },
    ],
  };
}

export function pipelineDefinitions(config: WorkspaceConfig): Partial<Record<PipelineName, PipelineDefinition<Workspace>>> {
  const p = config.pipelines;
  return {
    // Without Kafka there is nothing to aggregate: the pipeline is left out (and not scheduled).
    ...(config.connections.kafka ? { event_aggregation: eventAggregationPipeline(limits(p.event_aggregation)) } : {}),
    etl_moderation: etlModerationPipeline(limits(p.etl_moderation)),
    verify: verifyPipeline(limits(p.verify)),
  };
}
