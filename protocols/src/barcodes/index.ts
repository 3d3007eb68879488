/** NW-7 (Codabar) and ISBN/JAN barcode codecs for the counter: pure functions, no I/O. */
export * from './checkDigits.ts';
export * from './classify.ts';
export * from './codabar.ts';
export * from './isbn.ts';
export * from './messages.ts';
export * from './nw7.ts';
export * from './settings.ts';
