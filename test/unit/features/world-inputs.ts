/** The synthetic world's tables as feature inputs, for tests that compare feature rows. */
import type { FeatureInputs, WindowColumns } from '../../../core/features/feature-inputs.ts';
import type { World } from '../../../core/demo/generator.ts';
import type { SourceRow } from '../../../core/demo/model.ts';

type Row = Record<string, unknown>;

export function worldTables(world: World): Record<SourceRow['table'], Row[]> {
  const out: Record<string, Row[]> = { users: [], images: [], comments: [], flags: [], image_milestones: [] };
  for (const r of world.tableRows()) out[r.table]!.push(r.row as unknown as Row);
  return out as Record<SourceRow['table'], Row[]>;
}

const col = <T>(rows: Row[], name: string) => rows.map((r) => r[name] as T);

/** Source B from the world's comments and milestones, or source A from the given window columns. */
export function worldInputs(world: World, referenceTime: number, windows?: { views: WindowColumns; comments: WindowColumns }): FeatureInputs {
  const t = worldTables(world);
  return {
    users: { id: col(t.users, 'id'), created_at: col(t.users, 'created_at') },
    images: {
      id: col(t.images, 'id'), user_id: col(t.images, 'user_id'), caption: col(t.images, 'caption'),
      category: col(t.images, 'category'), uploaded_at: col(t.images, 'uploaded_at'),
    },
    flags: { image_id: col(t.flags, 'image_id'), created_at: col(t.flags, 'created_at') },
    source: windows ? { kind: 'windows', ...windows } : {
      kind: 'milestones',
      comments: { image_id: col(t.comments, 'image_id'), created_at: col(t.comments, 'created_at') },
      milestones: {
        image_id: col(t.image_milestones, 'image_id'), milestone_type: col(t.image_milestones, 'milestone_type'),
        milestone_value: col(t.image_milestones, 'milestone_value'), reached_at: col(t.image_milestones, 'reached_at'),
      },
    },
    referenceTime, decisionPointsMinutes: [0, 5, 30], labelHorizonMicros: 86_400_000_000,
  };
}
