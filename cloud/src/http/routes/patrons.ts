import { z } from '@hono/zod-openapi';
import { encodeCsv } from '../../domain/export/csv.ts';
import { issuePatronPassword } from '../../domain/patron-auth/account.ts';
import { exportPatronDisclosure } from '../../domain/patrons/disclosure.ts';
import { checkPatronDuplicates } from '../../domain/patrons/duplicates.ts';
import { findPatronByCard, getPatron } from '../../domain/patrons/get-patron.ts';
import {
  addPatronCategory,
  listPatronCategories,
  NewPatronCategory,
  PatronCategoryNames,
  renamePatronCategory,
} from '../../domain/patrons/patron-categories.ts';
import { addPatronNote, closePatronNote } from '../../domain/patrons/patron-notes.ts';
import {
  liftSuspension,
  reissueCard,
  renewRegistration,
  reportCardLost,
  suspendPatron,
} from '../../domain/patrons/patron-status.ts';
import { registerPatron } from '../../domain/patrons/register-patron.ts';
import {
  getRegistrationSettings,
  RegistrationSettings,
  saveRegistrationSettings,
} from '../../domain/patrons/registration-settings.ts';
import { searchPatrons } from '../../domain/patrons/search-patrons.ts';
import { updatePatron } from '../../domain/patrons/update-patron.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const PatronView = z
  .object({
    id: z.string(),
    name: z.string(),
    nameReading: z.string(),
    category: z.object({ code: z.string(), nameJa: z.string(), nameEn: z.string() }),
    status: z.string(),
    expiresOn: z.string(),
    cards: z.array(z.object({ barcode: z.string(), status: z.string(), issuedAt: z.string() })),
    alerts: z
      .array(z.object({ id: z.string(), text: z.string(), createdAt: z.string() }))
      .openapi({ description: 'staff alerts shown at the counter (注意事項)' }),
    full: z
      .object({
        birthDate: z.string().nullable(),
        postalCode: z.string().nullable(),
        address: z.string().nullable(),
        phone: z.string().nullable(),
        email: z.string().nullable(),
        residency: z.string(),
        readingHistoryOptIn: z.boolean(),
        emailNotices: z.boolean(),
        suspensionReason: z.string().nullable(),
        suspendedUntil: z.string().nullable(),
        guardian: z.object({ id: z.string(), name: z.string(), nameReading: z.string() }).nullable(),
        wards: z.array(z.object({ id: z.string(), name: z.string(), nameReading: z.string() })),
        notes: z.array(
          z.object({
            id: z.string(),
            kind: z.string(),
            text: z.string(),
            createdAt: z.string(),
            closedAt: z.string().nullable(),
          }),
        ),
        registeredAt: z.string(),
      })
      .nullable(),
  })
  .openapi('Patron');

const getRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons/{id}',
  operationId: 'getPatron',
  tags: ['patrons'],
  summary: '利用者(最小限の表示) / patron, minimal view',
  request: { params: IdParam },
  responses: { 200: json(PatronView, 'The patron, minimal fields'), ...standardErrors },
});
const getFullRoute = route('patrons.readFull', {
  method: 'get',
  path: '/patrons/{id}/full',
  operationId: 'getPatronFull',
  tags: ['patrons'],
  summary: '利用者の全情報(操作ログに記録) / full patron record, logged',
  request: { params: IdParam },
  responses: { 200: json(PatronView, 'The patron with personal details'), ...standardErrors },
});
const byCardRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons/by-card/{barcode}',
  operationId: 'findPatronByCard',
  tags: ['patrons'],
  request: { params: z.object({ barcode: z.string().min(1).max(64) }) },
  responses: { 200: json(PatronView, 'The card holder, minimal fields'), ...standardErrors },
});

const issuePasswordRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/password',
  operationId: 'issuePatronPassword',
  tags: ['patrons'],
  summary: '仮パスワードの発行 / issue a one-time temporary password (must be changed at first login)',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({
        patronId: z.string(),
        temporaryPassword: z.string().openapi({ description: 'shown once; only its hash is kept' }),
        mustChangePassword: z.literal(true),
      }),
      'Issued; the account is unlocked and open sessions end',
    ),
    ...standardErrors,
  },
});

export const patronRoutes = () =>
  router()
    .openapi(getRoute, async (c) =>
      c.json(await getPatron(c.get('ctx'), c.req.valid('param').id, { full: false }), 200),
    )
    .openapi(getFullRoute, async (c) =>
      c.json(await getPatron(c.get('ctx'), c.req.valid('param').id, { full: true }), 200),
    )
    .openapi(byCardRoute, async (c) =>
      c.json(await findPatronByCard(c.get('ctx'), c.req.valid('param').barcode), 200),
    )
    .openapi(issuePasswordRoute, async (c) =>
      c.json(await issuePatronPassword(c.get('ctx'), c.req.valid('param').id), 200),
    );

// ── 利用者管理 (registration, cards, status, notes, search, 開示) ────────────────────────────

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
/** A phone number as written in Japan: 0980-82-0000, (0980)82-0000, +81 980 … */
export const PhoneNumber = z.string().regex(/^[0-9+\-() ]{6,20}$/, 'digits and hyphens');
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
const PatronFields = {
  categoryCode: z.string().min(1).max(32).openapi({ example: 'general' }),
  name: z.string().trim().min(1).max(100),
  nameReading: z.string().trim().min(1).max(100).openapi({ description: 'カタカナ (ひらがな可) / katakana' }),
  birthDate: Day.nullable().optional(),
  postalCode: z
    .string()
    .regex(/^\d{3}-?\d{4}$/, 'a postal code like 907-0004')
    .nullable()
    .optional(),
  address: optionalText(200),
  phone: PhoneNumber.nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  residency: z
    .string()
    .min(1)
    .max(32)
    .openapi({ description: 'a residency code from the registration settings' }),
  guardianId: z.uuid().nullable().optional(),
  homeLocationId: z.uuid().nullable().optional(),
  emailNotices: z.boolean().optional(),
  readingHistoryOptIn: z.boolean().optional(),
};
const DuplicateCandidate = z
  .object({
    id: z.string(),
    name: z.string(),
    nameReading: z.string(),
    categoryJa: z.string(),
    status: z.string(),
    cardLast4: z.string().nullable(),
  })
  .openapi('PatronDuplicateCandidate');

const registerRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons',
  operationId: 'registerPatron',
  tags: ['patrons'],
  summary: '利用者登録 / register a patron with the first card (duplicates are warned of first)',
  request: {
    body: jsonBody(
      z.object({
        ...PatronFields,
        cardBarcode: z.string().trim().min(1).max(64),
        confirmDuplicate: z.boolean().optional().openapi({ description: 'register despite the candidates' }),
      }),
    ),
  },
  responses: {
    200: json(
      z.discriminatedUnion('status', [
        z.object({
          status: z.literal('registered'),
          patronId: z.string(),
          cardBarcode: z.string(),
          expiresOn: z.string(),
        }),
        z.object({ status: z.literal('duplicateSuspected'), candidates: z.array(DuplicateCandidate) }),
      ]),
      'Registered, or not yet: possible duplicates to confirm',
    ),
    ...standardErrors,
  },
});
const duplicatesRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/duplicates',
  operationId: 'checkPatronDuplicates',
  tags: ['patrons'],
  summary: '重複登録の確認 / patrons with the same reading, birth date and address',
  request: {
    body: jsonBody(
      z.object({
        nameReading: z.string().trim().min(1).max(100),
        birthDate: Day.nullable().optional(),
        address: optionalText(200),
      }),
    ),
  },
  responses: {
    200: json(z.object({ candidates: z.array(DuplicateCandidate) }), 'Candidates'),
    ...standardErrors,
  },
});
const searchRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons',
  operationId: 'searchPatrons',
  tags: ['patrons'],
  summary: '利用者検索 / search by name, reading or card, and/or list by status (minimal fields)',
  request: {
    query: z.object({
      q: z.string().trim().max(100).optional(),
      status: z
        .enum(['active', 'suspended', 'expired'])
        .optional()
        .openapi({ description: 'expired: marked expired, or past 有効期限 and not yet marked' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      offset: z.coerce.number().int().min(0).max(100_000).default(0),
    }),
  },
  responses: {
    200: json(
      z.object({
        patrons: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            nameReading: z.string(),
            status: z.string(),
            expiresOn: z.string(),
            category: z.object({ code: z.string(), nameJa: z.string(), nameEn: z.string() }),
            card: z.string().nullable(),
          }),
        ),
      }),
      'Up to `limit`, by reading',
    ),
    ...standardErrors,
  },
});
const updateRoute = route('patrons.write', {
  method: 'patch',
  path: '/patrons/{id}',
  operationId: 'updatePatron',
  tags: ['patrons'],
  summary: '登録内容の変更 / change a registration (logged with field names)',
  request: {
    params: IdParam,
    body: jsonBody(
      z.object({
        ...PatronFields,
        categoryCode: PatronFields.categoryCode.optional(),
        name: PatronFields.name.optional(),
        nameReading: PatronFields.nameReading.optional(),
        residency: PatronFields.residency.optional(),
        confirmDuplicate: z
          .boolean()
          .optional()
          .openapi({ description: 'save although the change makes it look like another registration' }),
      }),
    ),
  },
  responses: {
    200: json(z.object({ patronId: z.string(), fields: z.array(z.string()) }), 'Changed'),
    ...standardErrors,
  },
});
const reissueRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/cards',
  operationId: 'reissuePatronCard',
  tags: ['patrons'],
  summary: 'カード再発行 / issue a new card; the old one is blocked (再発行済みの旧カード)',
  request: { params: IdParam, body: jsonBody(z.object({ cardBarcode: z.string().trim().min(1).max(64) })) },
  responses: {
    200: json(
      z.object({ patronId: z.string(), cardBarcode: z.string(), blockedCards: z.number() }),
      'Issued',
    ),
    ...standardErrors,
  },
});
const lostRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/cards/lost',
  operationId: 'reportPatronCardLost',
  tags: ['patrons'],
  summary: '紛失届 / block the active card as lost',
  request: { params: IdParam },
  responses: {
    200: json(z.object({ patronId: z.string(), blockedCards: z.number() }), 'Blocked'),
    ...standardErrors,
  },
});
const renewRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/renew',
  operationId: 'renewPatronRegistration',
  tags: ['patrons'],
  summary: '登録更新 / renew the registration from today',
  request: { params: IdParam },
  responses: {
    200: json(z.object({ patronId: z.string(), expiresOn: z.string(), status: z.string() }), 'Renewed'),
    ...standardErrors,
  },
});
const suspendRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/suspend',
  operationId: 'suspendPatron',
  tags: ['patrons'],
  summary: '利用停止 / suspend with a reason and an optional last day',
  request: {
    params: IdParam,
    body: jsonBody(z.object({ reason: z.string().trim().min(1).max(500), until: Day.nullable().optional() })),
  },
  responses: {
    200: json(
      z.object({ patronId: z.string(), status: z.string(), suspendedUntil: z.string().nullable() }),
      'Suspended',
    ),
    ...standardErrors,
  },
});
const liftRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/suspend/lift',
  operationId: 'liftPatronSuspension',
  tags: ['patrons'],
  summary: '利用停止の解除 / lift a suspension',
  request: { params: IdParam },
  responses: {
    200: json(z.object({ patronId: z.string(), status: z.string() }), 'Active'),
    ...standardErrors,
  },
});
const addNoteRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/notes',
  operationId: 'addPatronNote',
  tags: ['patrons'],
  summary: 'メモ・注意事項 / add a staff note, or an alert shown at the counter',
  request: {
    params: IdParam,
    body: jsonBody(z.object({ kind: z.enum(['note', 'alert']), text: z.string().trim().min(1).max(1000) })),
  },
  responses: {
    200: json(z.object({ id: z.string(), kind: z.string(), createdAt: z.string() }), 'Added'),
    ...standardErrors,
  },
});
const closeNoteRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/notes/{noteId}/close',
  operationId: 'closePatronNote',
  tags: ['patrons'],
  request: { params: z.object({ id: z.uuid(), noteId: z.uuid() }) },
  responses: {
    200: json(z.object({ id: z.string(), closed: z.literal(true) }), 'Closed'),
    ...standardErrors,
  },
});
const disclosureRoute = route('patrons.export', {
  method: 'get',
  path: '/patrons/{id}/disclosure',
  operationId: 'exportPatronDisclosure',
  tags: ['patrons'],
  summary: '開示: 保有個人情報の全件 / everything held about the patron, as a file (logged)',
  request: {
    params: IdParam,
    query: z.object({
      format: z.enum(['json', 'csv']).default('json'),
      encoding: z.enum(['cp932', 'utf8bom']).default('cp932'),
    }),
  },
  responses: {
    200: {
      description: 'A JSON file, or CSV (CP932 or UTF-8 with BOM) as an attachment',
      content: {
        'application/json': { schema: z.object({}).passthrough() },
        'text/csv': { schema: z.string() },
      },
    },
    ...standardErrors,
  },
});
const settingsRoute = route('patrons.read', {
  method: 'get',
  path: '/patron-settings/registration',
  operationId: 'getPatronRegistrationSettings',
  tags: ['patrons'],
  summary: '登録の設定(住所区分・有効年数) / residency kinds, validity, guardian categories',
  responses: { 200: json(RegistrationSettings, 'Settings'), ...standardErrors },
});
const saveSettingsRoute = route('settings.write', {
  method: 'put',
  path: '/patron-settings/registration',
  operationId: 'savePatronRegistrationSettings',
  tags: ['patrons'],
  request: { body: jsonBody(RegistrationSettings) },
  responses: { 200: json(RegistrationSettings, 'Saved'), ...standardErrors },
});

const PatronCategoryView = z
  .object({ id: z.string(), code: z.string(), nameJa: z.string(), nameEn: z.string() })
  .openapi('PatronCategory');
const categoriesRoute = route('patrons.read', {
  method: 'get',
  path: '/patron-settings/categories',
  operationId: 'listPatronCategories',
  tags: ['patrons'],
  summary: '利用者区分 / patron categories',
  responses: {
    200: json(z.object({ categories: z.array(PatronCategoryView) }), 'Categories'),
    ...standardErrors,
  },
});
const addCategoryRoute = route('settings.write', {
  method: 'post',
  path: '/patron-settings/categories',
  operationId: 'addPatronCategory',
  tags: ['patrons'],
  summary: '利用者区分の追加 / add a patron category (unique code)',
  request: { body: jsonBody(NewPatronCategory) },
  responses: { 200: json(PatronCategoryView, 'Added'), ...standardErrors },
});
const renameCategoryRoute = route('settings.write', {
  method: 'patch',
  path: '/patron-settings/categories/{id}',
  operationId: 'renamePatronCategory',
  tags: ['patrons'],
  summary: '利用者区分の名称変更 / rename a patron category (the code stays)',
  request: { params: IdParam, body: jsonBody(PatronCategoryNames) },
  responses: { 200: json(PatronCategoryView, 'Renamed'), ...standardErrors },
});

const attachment = (name: string) => `attachment; filename="${name}"`;

/** Staff patron management: registration, changes, cards, status, notes, search and 開示. */
export const patronManagementRoutes = () =>
  router()
    .openapi(settingsRoute, async (c) => c.json(await getRegistrationSettings(c.get('ctx')), 200))
    .openapi(saveSettingsRoute, async (c) =>
      c.json(await saveRegistrationSettings(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(categoriesRoute, async (c) =>
      c.json({ categories: await listPatronCategories(c.get('ctx')) }, 200),
    )
    .openapi(addCategoryRoute, async (c) =>
      c.json(await addPatronCategory(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(renameCategoryRoute, async (c) =>
      c.json(await renamePatronCategory(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(searchRoute, async (c) =>
      c.json({ patrons: await searchPatrons(c.get('ctx'), c.req.valid('query')) }, 200),
    )
    .openapi(duplicatesRoute, async (c) =>
      c.json({ candidates: await checkPatronDuplicates(c.get('ctx'), c.req.valid('json')) }, 200),
    )
    .openapi(registerRoute, async (c) => c.json(await registerPatron(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(updateRoute, async (c) =>
      c.json(await updatePatron(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(reissueRoute, async (c) =>
      c.json(await reissueCard(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(lostRoute, async (c) => c.json(await reportCardLost(c.get('ctx'), c.req.valid('param').id), 200))
    .openapi(renewRoute, async (c) =>
      c.json(await renewRegistration(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(suspendRoute, async (c) =>
      c.json(await suspendPatron(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(liftRoute, async (c) => c.json(await liftSuspension(c.get('ctx'), c.req.valid('param').id), 200))
    .openapi(addNoteRoute, async (c) =>
      c.json(await addPatronNote(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(closeNoteRoute, async (c) => {
      const { id, noteId } = c.req.valid('param');
      return c.json(await closePatronNote(c.get('ctx'), id, noteId), 200);
    })
    .openapi(disclosureRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { format, encoding } = c.req.valid('query');
      const out = await exportPatronDisclosure(c.get('ctx'), id, format);
      const day = c.get('ctx').now().toISOString().slice(0, 10);
      if (out.json) {
        c.header('content-disposition', attachment(`disclosure-${day}.json`));
        return c.json(out.json, 200);
      }
      const { bytes, replaced } = encodeCsv(out.csv!, encoding);
      return c.body(new Uint8Array(bytes), 200, {
        'content-type': `text/csv; charset=${encoding === 'cp932' ? 'Shift_JIS' : 'utf-8'}`,
        'content-disposition': attachment(`disclosure-${day}.csv`),
        'x-bunko-replaced-characters': String(replaced),
      });
    });
