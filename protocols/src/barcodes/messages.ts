/**
 * Why a scan was refused, in both languages. The counter shows the Japanese text and beeps; the
 * code lets callers and tests branch without parsing text.
 */
export const SCAN_REJECT_REASONS = [
  'empty',
  'invalidCharacter',
  'incompleteStartStop',
  'unexpectedStartStop',
  'missingStartStop',
  'wrongStartStop',
  'wrongLength',
  'wrongPrefix',
  'badCheckDigit',
  'notIsbn',
  'ambiguous',
  'unrecognized',
] as const;
export type ScanRejectReason = (typeof SCAN_REJECT_REASONS)[number];

export interface ScanRejection {
  ok: false;
  reason: ScanRejectReason;
  messageJa: string;
  messageEn: string;
}

export interface RejectionDetail {
  char?: string;
  expected?: number[];
  actual?: number;
  prefixes?: string[];
}

const list = (xs: readonly (number | string)[] = [], sep: string): string => xs.join(sep);

const TEXT: Record<ScanRejectReason, (d: RejectionDetail) => [ja: string, en: string]> = {
  empty: () => ['バーコードが読み取れていません（空です）', 'The scan is empty'],
  invalidCharacter: (d) => [
    `バーコードに使えない文字「${d.char ?? ''}」が含まれています`,
    `The scan contains a character that is not allowed: "${d.char ?? ''}"`,
  ],
  incompleteStartStop: () => [
    'スタート文字とストップ文字の片方がありません',
    'Only one of the start and stop characters was read',
  ],
  unexpectedStartStop: () => [
    'スタート/ストップ文字付きで送られました。リーダーの設定を確認してください',
    'The reader sent start/stop characters; please check its settings',
  ],
  missingStartStop: () => [
    'スタート/ストップ文字がありません。リーダーの設定を確認してください',
    'The start/stop characters are missing; please check the reader settings',
  ],
  wrongStartStop: () => [
    'スタート/ストップ文字がこの種類のバーコードと一致しません',
    'The start/stop characters do not match this kind of barcode',
  ],
  wrongLength: (d) => [
    `桁数が違います（${list(d.expected, '桁または')}桁のはずが${d.actual}桁です）`,
    `Wrong number of digits: expected ${list(d.expected, ' or ')}, got ${d.actual}`,
  ],
  wrongPrefix: (d) => [
    `番号の先頭が違います（${list(d.prefixes, '・')}で始まる番号です）`,
    `The number must start with ${list(d.prefixes, ' or ')}`,
  ],
  badCheckDigit: () => [
    'チェックデジットが合いません。読み取りか入力の誤りです。もう一度読み取ってください',
    'The check digit does not match: a misread or mistyped number. Please scan again',
  ],
  notIsbn: () => ['ISBNではありません（978または979で始まる13桁か10桁です）', 'This is not an ISBN'],
  ambiguous: () => [
    '複数の種類のバーコードに当てはまるため判別できません',
    'The scan matches more than one kind of barcode',
  ],
  unrecognized: () => [
    '利用者カード・資料ラベル・ISBNのどれでもありません',
    'Not a patron card, item label or ISBN',
  ],
};

export function reject(reason: ScanRejectReason, detail: RejectionDetail = {}): ScanRejection {
  const [messageJa, messageEn] = TEXT[reason](detail);
  return { ok: false, reason, messageJa, messageEn };
}
