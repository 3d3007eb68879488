export * from './barcodes/index.ts';
export * from './errors.ts';
export * from './mqtt.ts';
export * from './permissions.ts';
