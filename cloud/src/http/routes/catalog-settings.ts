import { z } from '@hono/zod-openapi';
import { CallNumberSettings } from '../../domain/catalog/call-number.ts';
import {
  CallNumberPreviewInput,
  getCallNumberSettings,
  previewCallNumberRules,
  resetCallNumberSettings,
  saveCallNumberSettings,
} from '../../domain/catalog/call-number-settings.ts';
import { Mapping } from '../../domain/marc/mapping.ts';
import {
  listMarcMappings,
  MAPPING_NAME,
  MarcMappingOverride,
  MarcMappingPreviewInput,
  previewMarcMapping,
  resetMarcMapping,
  saveMarcMappingOverride,
} from '../../domain/marc/mapping-settings.ts';
import {
  getMarcPoolSettings,
  MarcPoolSettings,
  saveMarcPoolSettings,
} from '../../domain/marc/pool-settings.ts';
import { json, jsonBody, route, router, standardErrors } from '../route.ts';

/** 目録の設定: call-number rules, MARC mappings and the MARC pool, read with settings.read, changed with settings.write. */

const CallNumberSettingsView = z
  .object({ settings: CallNumberSettings, isDefault: z.boolean() })
  .openapi('CallNumberSettingsView');
const getCallNumbersRoute = route('settings.read', {
  method: 'get',
  path: '/catalog-settings/call-numbers',
  operationId: 'getCallNumberSettings',
  tags: ['settings'],
  summary: '請求記号の規則 / the call-number rules in force (the default when the library has set none)',
  responses: { 200: json(CallNumberSettingsView, 'The rules'), ...standardErrors },
});
const saveCallNumbersRoute = route('settings.write', {
  method: 'put',
  path: '/catalog-settings/call-numbers',
  operationId: 'saveCallNumberSettings',
  tags: ['settings'],
  summary:
    '請求記号の規則の変更 / replace the rules (added, edited, reordered, deleted), logged before/after',
  request: { body: jsonBody(CallNumberSettings) },
  responses: { 200: json(CallNumberSettingsView, 'Saved'), ...standardErrors },
});
const resetCallNumbersRoute = route('settings.write', {
  method: 'delete',
  path: '/catalog-settings/call-numbers',
  operationId: 'resetCallNumberSettings',
  tags: ['settings'],
  summary: '請求記号の規則を既定に戻す / back to the built-in rules, logged',
  responses: { 200: json(CallNumberSettingsView, 'The default rules'), ...standardErrors },
});
const previewCallNumberRoute = route('settings.read', {
  method: 'post',
  path: '/catalog-settings/call-numbers/preview',
  operationId: 'previewCallNumberRules',
  tags: ['settings'],
  summary: '請求記号の試し / the call number the rules (saved, or given) give these values',
  request: { body: jsonBody(CallNumberPreviewInput) },
  responses: {
    200: json(
      z.object({ text: z.string(), parts: z.array(z.string()), rule: z.string().nullable() }),
      'The call number and the rule that gave it',
    ),
    ...standardErrors,
  },
});

const NameParam = z.object({
  name: z
    .string()
    .regex(MAPPING_NAME, 'a mapping name such as trc')
    .openapi({ param: { name: 'name', in: 'path' } }),
});
const MarcMappingsView = z
  .object({
    targets: z.array(z.string()),
    /** the encodings to offer (any name iconv-lite knows is accepted) */
    encodings: z.array(z.string()),
    mappings: z.array(
      z.object({
        name: z.string(),
        default: Mapping.nullable(),
        override: MarcMappingOverride.nullable(),
        effective: Mapping.nullable(),
        problem: z.string().nullable(),
      }),
    ),
  })
  .openapi('MarcMappingsView');
const listMappingsRoute = route('settings.read', {
  method: 'get',
  path: '/catalog-settings/marc-mappings',
  operationId: 'listMarcMappings',
  tags: ['settings'],
  summary: 'MARCマッピング / each mapping: shipped default, the library override, what imports use',
  responses: { 200: json(MarcMappingsView, 'Mappings'), ...standardErrors },
});
const saveMappingRoute = route('settings.write', {
  method: 'put',
  path: '/catalog-settings/marc-mappings/{name}',
  operationId: 'saveMarcMappingOverride',
  tags: ['settings'],
  summary: 'MARCマッピングの変更 / set the library override of a mapping (per target field), logged',
  request: { params: NameParam, body: jsonBody(MarcMappingOverride) },
  responses: { 200: json(MarcMappingsView, 'Saved'), ...standardErrors },
});
const resetMappingRoute = route('settings.write', {
  method: 'delete',
  path: '/catalog-settings/marc-mappings/{name}',
  operationId: 'resetMarcMapping',
  tags: ['settings'],
  summary: 'MARCマッピングを既定に戻す / drop the library override, logged',
  request: { params: NameParam },
  responses: { 200: json(MarcMappingsView, 'The mappings'), ...standardErrors },
});
const previewMappingRoute = route('settings.read', {
  method: 'post',
  path: '/catalog-settings/marc-mappings/{name}/preview',
  operationId: 'previewMarcMapping',
  tags: ['settings'],
  summary:
    'MARCマッピングの試し / map one pasted record (MARCXML or ISO 2709) through the mapping, with an unsaved override if given; nothing is imported',
  request: { params: NameParam, body: jsonBody(MarcMappingPreviewInput) },
  responses: {
    200: json(
      z
        .object({
          bib: z.record(z.string(), z.unknown()).nullable(),
          rejected: z.string().nullable(),
          warnings: z.array(z.string()),
        })
        .openapi('MarcMappingPreview'),
      'The bibliographic fields the record becomes, or why the mapping rejects it',
    ),
    ...standardErrors,
  },
});

const getPoolRoute = route('settings.read', {
  method: 'get',
  path: '/catalog-settings/marc-pool',
  operationId: 'getMarcPoolSettings',
  tags: ['settings'],
  summary: 'MARCプールの設定 / barcode field, load mapping, days unadopted records are kept',
  responses: { 200: json(MarcPoolSettings, 'Settings'), ...standardErrors },
});
const savePoolRoute = route('settings.write', {
  method: 'put',
  path: '/catalog-settings/marc-pool',
  operationId: 'saveMarcPoolSettings',
  tags: ['settings'],
  summary: 'MARCプールの設定の変更 / change the pool settings, logged before/after',
  request: { body: jsonBody(MarcPoolSettings) },
  responses: { 200: json(MarcPoolSettings, 'Saved'), ...standardErrors },
});

export const catalogSettingsRoutes = () =>
  router()
    .openapi(getCallNumbersRoute, async (c) => c.json(await getCallNumberSettings(c.get('ctx')), 200))
    .openapi(saveCallNumbersRoute, async (c) =>
      c.json(await saveCallNumberSettings(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(resetCallNumbersRoute, async (c) => c.json(await resetCallNumberSettings(c.get('ctx')), 200))
    .openapi(previewCallNumberRoute, async (c) =>
      c.json(await previewCallNumberRules(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(listMappingsRoute, async (c) => c.json(await listMarcMappings(c.get('ctx')), 200))
    .openapi(saveMappingRoute, async (c) =>
      c.json(
        await saveMarcMappingOverride(c.get('ctx'), c.req.valid('param').name, c.req.valid('json')),
        200,
      ),
    )
    .openapi(previewMappingRoute, async (c) =>
      c.json(await previewMarcMapping(c.get('ctx'), c.req.valid('param').name, c.req.valid('json')), 200),
    )
    .openapi(resetMappingRoute, async (c) =>
      c.json(await resetMarcMapping(c.get('ctx'), c.req.valid('param').name), 200),
    )
    .openapi(getPoolRoute, async (c) => c.json(await getMarcPoolSettings(c.get('ctx')), 200))
    .openapi(savePoolRoute, async (c) =>
      c.json(await saveMarcPoolSettings(c.get('ctx'), c.req.valid('json')), 200),
    );
