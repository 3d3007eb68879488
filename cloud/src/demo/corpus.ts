import { completeNw7, ean13CheckDigit, Nw7Settings } from '@bunko/protocols';

/**
 * A deterministic generator of a plausible Japanese public-library collection and patron file
 * for the demo library. Every name, title and address is made up from the word lists below; the
 * same seed gives the same library, so screenshots and manual test notes stay valid.
 */

/** mulberry32: small, fast, good enough for demo data; not for anything secret. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Prng = ReturnType<typeof prng>;

/** [written form, katakana reading] */
type Word = readonly [string, string];

const TOPICS: readonly { words: readonly Word[]; ndc: readonly string[]; type: string }[] = [
  {
    type: 'local',
    ndc: ['219.9', '291.99', '382.199', '386.8199'],
    words: [
      ['沖縄', 'オキナワ'],
      ['石垣島', 'イシガキジマ'],
      ['八重山', 'ヤエヤマ'],
      ['竹富島', 'タケトミジマ'],
      ['西表島', 'イリオモテジマ'],
      ['与那国', 'ヨナグニ'],
      ['琉球', 'リュウキュウ'],
      ['御嶽', 'ウタキ'],
      ['豊年祭', 'ホウネンサイ'],
      ['アンガマ', 'アンガマ'],
    ],
  },
  {
    type: 'book',
    ndc: ['913.6', '913.6', '913.6', '914.6'],
    words: [
      ['海', 'ウミ'],
      ['風', 'カゼ'],
      ['星', 'ホシ'],
      ['月', 'ツキ'],
      ['夏', 'ナツ'],
      ['約束', 'ヤクソク'],
      ['記憶', 'キオク'],
      ['旅', 'タビ'],
      ['手紙', 'テガミ'],
      ['灯台', 'トウダイ'],
      ['珊瑚礁', 'サンゴショウ'],
      ['夜明け', 'ヨアケ'],
    ],
  },
  {
    type: 'picture',
    ndc: ['726.6'],
    words: [
      ['ねこ', 'ネコ'],
      ['くじら', 'クジラ'],
      ['やぎ', 'ヤギ'],
      ['かめ', 'カメ'],
      ['おばけ', 'オバケ'],
      ['パン', 'パン'],
      ['ふね', 'フネ'],
      ['シーサー', 'シーサー'],
    ],
  },
  {
    type: 'book',
    ndc: ['596', '596.21', '498.5'],
    words: [
      ['料理', 'リョウリ'],
      ['ゴーヤー', 'ゴーヤー'],
      ['島野菜', 'シマヤサイ'],
      ['おやつ', 'オヤツ'],
      ['健康', 'ケンコウ'],
    ],
  },
  {
    type: 'book',
    ndc: ['480', '481.7', '468', '452'],
    words: [
      ['生き物', 'イキモノ'],
      ['野鳥', 'ヤチョウ'],
      ['サンゴ', 'サンゴ'],
      ['マングローブ', 'マングローブ'],
      ['台風', 'タイフウ'],
      ['昆虫', 'コンチュウ'],
    ],
  },
  {
    type: 'book',
    ndc: ['007.6', '336', '370', '159'],
    words: [
      ['パソコン', 'パソコン'],
      ['仕事', 'シゴト'],
      ['子育て', 'コソダテ'],
      ['学び', 'マナビ'],
      ['暮らし', 'クラシ'],
      ['お金', 'オカネ'],
    ],
  },
];

const TITLE_FORMS: readonly ((a: Word, b: Word) => Word)[] = [
  (a, b) => [`${a[0]}の${b[0]}`, `${a[1]}ノ${b[1]}`],
  (a) => [`はじめての${a[0]}`, `ハジメテノ${a[1]}`],
  (a, b) => [`${a[0]}と${b[0]}`, `${a[1]}ト${b[1]}`],
  (a) => [`${a[0]}入門`, `${a[1]}ニュウモン`],
  (a) => [`${a[0]}図鑑`, `${a[1]}ズカン`],
  (a, b) => [`${a[0]}をめぐる${b[0]}`, `${a[1]}ヲメグル${b[1]}`],
  (a) => [`${a[0]}ものがたり`, `${a[1]}モノガタリ`],
];

const FAMILY: readonly Word[] = [
  ['比嘉', 'ヒガ'],
  ['金城', 'キンジョウ'],
  ['大城', 'オオシロ'],
  ['宮城', 'ミヤギ'],
  ['新垣', 'アラカキ'],
  ['上原', 'ウエハラ'],
  ['玉城', 'タマキ'],
  ['石垣', 'イシガキ'],
  ['大浜', 'オオハマ'],
  ['宮良', 'ミヤラ'],
  ['山田', 'ヤマダ'],
  ['佐藤', 'サトウ'],
  ['鈴木', 'スズキ'],
  ['高橋', 'タカハシ'],
  ['田中', 'タナカ'],
  ['伊藤', 'イトウ'],
];
const GIVEN: readonly Word[] = [
  ['太郎', 'タロウ'],
  ['花子', 'ハナコ'],
  ['健', 'ケン'],
  ['美咲', 'ミサキ'],
  ['翔太', 'ショウタ'],
  ['さくら', 'サクラ'],
  ['悠真', 'ユウマ'],
  ['陽菜', 'ヒナ'],
  ['清', 'キヨシ'],
  ['恵子', 'ケイコ'],
  ['結衣', 'ユイ'],
  ['大翔', 'ヒロト'],
];
/** [publisher, ISBN publisher prefix after 978-4-] — made-up prefixes of plausible length */
const PUBLISHERS: readonly [string, string][] = [
  ['八重山書房', '90012'],
  ['南風舎', '90034'],
  ['珊瑚出版', '8765'],
  ['青い海社', '8812'],
  ['島の本屋', '90211'],
  ['ゆいまーる書店', '8899'],
  ['東京文芸社', '06'],
  ['こども館', '03'],
];
const AREAS: readonly [string, string][] = [
  ['907-0004', '石垣市登野城'],
  ['907-0022', '石垣市大川'],
  ['907-0021', '石垣市石垣'],
  ['907-0024', '石垣市新川'],
  ['907-0002', '石垣市真栄里'],
  ['907-0003', '石垣市平得'],
  ['907-0001', '石垣市大浜'],
  ['907-0453', '石垣市川平'],
  ['907-0331', '石垣市伊原間'],
  ['907-1101', '八重山郡竹富町竹富'],
];

/** The demo library's label settings: NW-7, modulus 10 weight 2-1, 10 characters with the check digit. */
export const DEMO_ITEM_LABEL = Nw7Settings.parse({ length: 10, checkDigit: 'mod10w21', prefixes: ['1'] });
export const DEMO_PATRON_CARD = Nw7Settings.parse({ length: 10, checkDigit: 'mod10w21', prefixes: ['2'] });

export const itemBarcode = (n: number) => completeNw7(`1${String(n).padStart(8, '0')}`, DEMO_ITEM_LABEL);
export const cardBarcode = (n: number) => completeNw7(`2${String(n).padStart(8, '0')}`, DEMO_PATRON_CARD);

export type GeneratedBib = {
  title: string;
  titleReading: string;
  authors: { name: string; reading: string; role: string }[];
  publisher: string;
  pubYear: number;
  isbn: string;
  ndc: string;
  materialType: string;
  seriesTitle: string | null;
  volume: string | null;
};

export function generateBib(r: Prng, n: number): GeneratedBib {
  const topic = r.pick(TOPICS);
  const a = r.pick(topic.words);
  let b = r.pick(topic.words);
  if (b === a) b = r.pick(TOPICS[1]!.words);
  const [title, titleReading] = r.pick(TITLE_FORMS)(a, b);
  const family = r.pick(FAMILY);
  const given = r.pick(GIVEN);
  const authors = [{ name: `${family[0]} ${given[0]}`, reading: `${family[1]} ${given[1]}`, role: '著' }];
  if (topic.type === 'picture' && r.chance(0.5)) {
    const f2 = r.pick(FAMILY);
    const g2 = r.pick(GIVEN);
    authors.push({ name: `${f2[0]} ${g2[0]}`, reading: `${f2[1]} ${g2[1]}`, role: '絵' });
  }
  const [publisher, prefix] = r.pick(PUBLISHERS);
  const titleNo = String(n % 10 ** (8 - prefix.length)).padStart(8 - prefix.length, '0');
  const first12 = `9784${prefix}${titleNo}`;
  const inSeries = r.chance(0.08);
  return {
    title,
    titleReading,
    authors,
    publisher,
    pubYear: r.int(1975, 2026),
    isbn: first12 + ean13CheckDigit(first12),
    ndc: r.pick(topic.ndc),
    materialType: topic.type,
    seriesTitle: inSeries ? `${a[0]}シリーズ` : null,
    volume: inSeries ? String(r.int(1, 12)) : null,
  };
}

/** 請求記号: class / author's first kana / volume, e.g. "913.6/ヒ" or picture books "E/ネ". */
export function callNumberFor(bib: GeneratedBib): string {
  const cls = bib.materialType === 'picture' ? 'E' : bib.ndc;
  const mark = bib.authors[0]?.reading.slice(0, 1) ?? '';
  return bib.volume ? `${cls}/${mark}/${bib.volume}` : `${cls}/${mark}`;
}

export type GeneratedPatron = {
  name: string;
  nameReading: string;
  birthDate: string;
  postalCode: string;
  address: string;
  phone: string;
  email: string | null;
  category: 'general' | 'youth' | 'child';
  residency: string;
  readingHistoryOptIn: boolean;
};

export function generatePatron(r: Prng, today: Date): GeneratedPatron {
  const family = r.pick(FAMILY);
  const given = r.pick(GIVEN);
  const age = r.chance(0.25) ? r.int(3, 12) : r.chance(0.15) ? r.int(13, 18) : r.int(19, 88);
  const birth = new Date(Date.UTC(today.getUTCFullYear() - age, r.int(0, 11), r.int(1, 28)));
  const [postalCode, town] = r.pick(AREAS);
  return {
    name: `${family[0]} ${given[0]}`,
    nameReading: `${family[1]} ${given[1]}`,
    birthDate: birth.toISOString().slice(0, 10),
    postalCode,
    address: `沖縄県${town}${r.int(1, 999)}番地`,
    phone: `0980-${r.int(80, 89)}-${String(r.int(0, 9999)).padStart(4, '0')}`,
    // example.jp is reserved for documentation (RFC 6761 style), so no real mailbox is ever written to
    email: r.chance(0.5) ? `patron${r.int(1000, 99999)}@example.jp` : null,
    category: age <= 12 ? 'child' : age <= 18 ? 'youth' : 'general',
    residency: town.startsWith('石垣市') ? 'resident' : 'taketomi',
    readingHistoryOptIn: r.chance(0.1),
  };
}
