export * from './barcodes/index.ts';
export * from './document-schema.ts';
export * from './documents.ts';
export * from './errors.ts';
export * from './mqtt.ts';
export * from './permissions.ts';
