export * from './catalog.ts';
export * from './circulation.ts';
export * from './devices.ts';
export * from './notices.ts';
export * from './patrons.ts';
export * from './rules.ts';
export * from './staff.ts';
export * from './tenancy.ts';
