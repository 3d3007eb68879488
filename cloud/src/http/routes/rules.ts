import { z } from '@hono/zod-openapi';
import { deleteLoanRule, listLoanRules, saveLoanRule } from '../../domain/rules/loan-rules.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const days = (max: number) => z.number().int().min(0).max(max);
const LoanRuleInput = z
  .object({
    patronCategoryId: z.uuid().nullable(),
    materialTypeId: z.uuid().nullable(),
    locationId: z.uuid().nullable(),
    loanable: z.boolean(),
    loanDays: days(365).min(1),
    maxItems: days(500),
    maxRenewals: days(20),
    renewalDays: days(365).min(1),
    maxHolds: days(500),
    pickupOpenDays: days(60).min(1),
    overdueBlockDays: days(365).nullable(),
    noteJa: z.string().max(200).optional(),
  })
  .openapi('LoanRuleInput');
const LoanRule = LoanRuleInput.extend({ id: z.string(), noteJa: z.string(), updatedAt: z.string() }).openapi(
  'LoanRule',
);

const listRoute = route('settings.read', {
  method: 'get',
  path: '/loan-rules',
  operationId: 'listLoanRules',
  tags: ['rules'],
  summary: '貸出ルール一覧 / the loan rules matrix',
  responses: { 200: json(z.object({ rules: z.array(LoanRule) }), 'All rules'), ...standardErrors },
});
const saveRoute = route('settings.write', {
  method: 'put',
  path: '/loan-rules',
  operationId: 'saveLoanRule',
  tags: ['rules'],
  summary: '貸出ルールの登録・変更 / create or replace the rule for one combination',
  request: { body: jsonBody(LoanRuleInput) },
  responses: { 200: json(LoanRule, 'Saved'), ...standardErrors },
});
const deleteRoute = route('settings.write', {
  method: 'delete',
  path: '/loan-rules/{id}',
  operationId: 'deleteLoanRule',
  tags: ['rules'],
  request: { params: IdParam },
  responses: { 200: json(z.object({ ok: z.literal(true) }), 'Deleted'), ...standardErrors },
});

export const ruleRoutes = () =>
  router()
    .openapi(listRoute, async (c) => c.json({ rules: await listLoanRules(c.get('ctx')) }, 200))
    .openapi(saveRoute, async (c) => c.json(await saveLoanRule(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(deleteRoute, async (c) => {
      await deleteLoanRule(c.get('ctx'), c.req.valid('param').id);
      return c.json({ ok: true as const }, 200);
    });
