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
  accountLocked: {
    status: 423,
    ja: 'パスワードの誤りが続いたため、しばらくログインできません。時間をおいてお試しください',
    en: 'Too many wrong passwords: login is locked for a while; please try again later',
  },
  passwordChangeRequired: {
    status: 403,
    ja: '仮パスワードです。パスワードを変更してください',
    en: 'This is a temporary password; please change your password first',
  },
  passwordRejected: {
    status: 400,
    ja: 'このパスワードは使えません(8文字以上で、カード番号や生年月日は使えません)',
    en: 'This password cannot be used (at least 8 characters, not the card number or birth date)',
  },
  cardNotFound: { status: 404, ja: '利用者カードが見つかりません', en: 'No such library card' },
  cardNotActive: {
    status: 409,
    ja: 'このカードは使用できません(再発行済み・紛失届あり)',
    en: 'This card is no longer valid (reissued or reported lost)',
  },
  itemNotFound: { status: 404, ja: '資料が見つかりません', en: 'No such item' },
  badScan: {
    status: 422,
    ja: 'バーコードを正しく読み取れませんでした。もう一度読み取ってください',
    en: 'The barcode could not be read correctly; please scan again',
  },
  patronExpired: {
    status: 409,
    ja: '利用者登録の有効期限が切れています',
    en: 'The patron registration has expired',
  },
  patronSuspended: { status: 409, ja: '利用停止中の利用者です', en: 'This patron is suspended' },
  patronHasOverdues: {
    status: 409,
    ja: '返却期限を過ぎた資料があるため貸出できません',
    en: 'The patron has overdue items',
  },
  loanLimitReached: {
    status: 409,
    ja: '貸出冊数の上限に達しています',
    en: 'The loan limit has been reached',
  },
  typeLimitReached: {
    status: 409,
    ja: 'この種別の資料の貸出上限に達しています',
    en: 'The limit for this material type has been reached',
  },
  itemNotLoanable: {
    status: 409,
    ja: '貸出できない資料です(禁帯出)',
    en: 'This item is for use in the library only',
  },
  itemOnLoan: { status: 409, ja: 'この資料は貸出中です', en: 'This item is already on loan' },
  itemNotAvailable: {
    status: 409,
    ja: 'この資料は現在貸出できません(不明・修理・除籍)',
    en: 'This item is not available (missing, in repair or withdrawn)',
  },
  itemHeldForOther: {
    status: 409,
    ja: '他の利用者の予約資料です',
    en: 'This item is held for another patron',
  },
  notOnLoan: { status: 409, ja: 'この資料は貸出されていません', en: 'This item is not on loan' },
  renewalHeld: {
    status: 409,
    ja: '予約が入っているため延長できません',
    en: 'Cannot renew: another patron is waiting for this title',
  },
  renewalLimit: { status: 409, ja: '延長できる回数を超えています', en: 'The renewal limit has been reached' },
  renewalOverdue: {
    status: 409,
    ja: '返却期限を過ぎた資料があるため延長できません',
    en: 'Cannot renew while items are overdue',
  },
  renewalNotAllowed: {
    status: 409,
    ja: 'この資料は延長できません',
    en: 'This item cannot be renewed',
  },
  holdLimitReached: {
    status: 409,
    ja: '予約件数の上限に達しています',
    en: 'The hold limit has been reached',
  },
  holdDuplicate: {
    status: 409,
    ja: 'すでに予約しています',
    en: 'This title is already on hold for the patron',
  },
  holdNotCancellable: {
    status: 409,
    ja: 'この予約は取り消せません',
    en: 'This hold can no longer be cancelled',
  },
  noLoanRule: {
    status: 500,
    ja: '貸出ルールが設定されていません。管理者に連絡してください',
    en: 'No loan rule applies; ask an administrator to set the fallback rule',
  },
  noOpenDay: {
    status: 409,
    ja: '返却期限となる開館日(巡回日)が見つかりません',
    en: 'No open day (or bookmobile visit) to set as the due date',
  },
  idempotencyMismatch: {
    status: 409,
    ja: '同じ操作キーで別の内容が送られました',
    en: 'The idempotency key was already used for a different request',
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
  stocktakeAlreadyOpen: {
    status: 409,
    ja: '実施中の蔵書点検があります。終了してから開始してください',
    en: 'A stock-take is already open; close it first',
  },
  stocktakeClosed: {
    status: 409,
    ja: 'この蔵書点検は終了しています',
    en: 'This stock-take is closed',
  },
  notReady: { status: 503, ja: 'サービスの準備ができていません', en: 'The service is not ready' },
  cardReplaced: {
    status: 409,
    ja: '再発行済みの旧カードです。新しいカードで手続きしてください',
    en: 'This is an old card that has been reissued; please use the new card',
  },
  cardLost: {
    status: 409,
    ja: '紛失届の出ているカードです。本人確認のうえ再発行してください',
    en: 'This card has been reported lost; check identity and reissue the card',
  },
  resetTokenInvalid: {
    status: 400,
    ja: 'このパスワード再設定のリンクは無効か、期限が切れています。もう一度お申し込みください',
    en: 'This password reset link is invalid or has expired; please request a new one',
  },
  emailTokenInvalid: {
    status: 400,
    ja: 'このメールアドレス確認のリンクは正しくないか、新しい申し込みで使えなくなりました',
    en: 'This e-mail confirmation link is not valid, or a newer change request replaced it',
  },
  emailTokenExpired: {
    status: 400,
    ja: 'このメールアドレス確認のリンクは期限が切れています。マイページからもう一度変更してください',
    en: 'This e-mail confirmation link has expired; please change the address again in My Library',
  },
  emailTokenUsed: {
    status: 409,
    ja: 'このメールアドレス確認のリンクはすでに使われています',
    en: 'This e-mail confirmation link has already been used',
  },
  agentRefused: {
    status: 422,
    ja: '端末のエージェントが要求を受け付けませんでした(設定は変更されていません)',
    en: 'The device agent refused the request (its config is unchanged)',
  },
  internal: {
    status: 500,
    ja: 'システムエラーが発生しました',
    en: 'An internal error occurred',
  },
} as const satisfies Record<string, { status: number; ja: string; en: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Circulation refusals that staff holding circulation.override may override (recorded in the log). */
export const OVERRIDABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'patronExpired',
  'patronSuspended',
  'patronHasOverdues',
  'loanLimitReached',
  'typeLimitReached',
  'itemNotLoanable',
  'itemHeldForOther',
  'renewalHeld',
  'renewalLimit',
  'renewalOverdue',
]);
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
  overridable: z.boolean().optional().describe('A staff member with circulation.override may proceed anyway'),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Which input fields were wrong, and why'),
});
export type Problem = z.infer<typeof Problem>;
