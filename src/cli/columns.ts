/** Table columns per kind come from the model, which lays them out as calicoctl's tables. */
import { tableColumns } from '../model/index.ts';
import type { ColumnSource } from './output.ts';

export const modelColumns: ColumnSource = (kind, wide) => tableColumns(kind, wide);
