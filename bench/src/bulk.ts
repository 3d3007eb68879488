/** The bulk insert lives with the core (stock-take batches use it too); the bench imports it from there. */
export * from '../../cloud/src/db/bulk.ts';
