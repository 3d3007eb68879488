import { z } from 'zod';

/** The closed set of error codes shared by HTTP and MQTT, with status and bilingual messages. */
export const ERRORS = {
  validation: { status: 400, ja: '入力内容に誤りがあります', en: 'The input is not valid' },
  unauthenticated: { status: 401, ja: 'ログインしてください', en: 'Please log in' },
  invalidCredentials: {
    status: 401,
    ja: 'IDまたはパスワードが違います',
    en: 'The ID or password is incorrect',
  },
  forbidden: {
    status: 403,
    ja: 'この操作を行う権限がありません',
    en: 'You do not have permission for this action',
  },
  notFound: { status: 404, ja: '対象が見つかりません', en: 'Not found' },
  conflict: {
    status: 409,
    ja: '他の操作と競合しました。もう一度お試しください',
    en: 'This conflicts with another change; please try again',
  },
  duplicate: { status: 409, ja: 'すでに登録されています', en: 'It is already registered' },
  rateLimited: {
    status: 429,
    ja: '試行回数が多すぎます。しばらくしてからお試しください',
    en: 'Too many attempts; please wait and try again',
  },
  agentOffline: {
    status: 503,
    ja: '端末のエージェントに接続できません',
    en: 'The device agent is not reachable',
  },
  agentTimeout: {
    status: 504,
    ja: '端末のエージェントから応答がありません',
    en: 'The device agent did not answer in time',
  },
  notReady: { status: 503, ja: 'サービスの準備ができていません', en: 'The service is not ready' },
  internal: {
    status: 500,
    ja: 'システムエラーが発生しました',
    en: 'An internal error occurred',
  },
} as const satisfies Record<string, { status: number; ja: string; en: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ErrorCode = z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]);

/** Problem details (RFC 9457) with our code, both languages and the request id. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: ErrorCode,
  messageJa: z.string(),
  messageEn: z.string(),
  detail: z.string().optional(),
  requestId: z.string(),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Which input fields were wrong, and why'),
});
export type Problem = z.infer<typeof Problem>;
