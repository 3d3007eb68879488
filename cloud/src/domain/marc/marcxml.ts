import {
  type ByteSource,
  CODE_RE,
  chunksOf,
  type DataField,
  type Field,
  INDICATOR_RE,
  isControlField,
  isControlTag,
  type MarcRecord,
  MarcRecordError,
  type ReadResult,
  recordWarnings,
  TAG_RE,
} from './record.ts';

export const MARCXML_NS = 'http://www.loc.gov/MARC21/slim';

class Reject extends Error {}

const RECORD_OPEN = /<(?:[A-Za-z_][\w.-]*:)?record(?=[\s/>])/g;
const RECORD_CLOSE = /<\/(?:[A-Za-z_][\w.-]*:)?record\s*>/g;

/**
 * Read MARCXML records (with the MARC21 slim namespace, any prefix, or none) from a byte stream,
 * one <record> element at a time. Offsets are character offsets of the decoded text.
 */
export async function* readMarcXml(source: ByteSource): AsyncGenerator<ReadResult> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let textStart = 0;
  let position = 0;
  let done = false;
  const it = chunksOf(source);
  for (;;) {
    RECORD_OPEN.lastIndex = 0;
    const open = RECORD_OPEN.exec(text);
    if (open) {
      RECORD_CLOSE.lastIndex = open.index;
      const selfClosing = /^[^>]*\/>/.exec(text.slice(open.index));
      const close = RECORD_CLOSE.exec(text);
      const end =
        selfClosing && (!close || close.index > open.index + selfClosing[0].length)
          ? open.index + selfClosing[0].length
          : close
            ? close.index + close[0].length
            : -1;
      if (end >= 0) {
        position++;
        const offset = textStart + open.index;
        const xml = text.slice(open.index, end);
        text = text.slice(end);
        textStart = offset + xml.length;
        try {
          const { record, warnings } = parseRecordElement(xml);
          yield { ok: true, position, offset, record, warnings };
        } catch (e) {
          if (!(e instanceof Reject)) throw e;
          yield { ok: false, position, offset, error: new MarcRecordError(position, offset, e.message) };
        }
        continue;
      }
    }
    if (done) {
      if (open) {
        position++;
        const offset = textStart + open.index;
        yield {
          ok: false,
          position,
          offset,
          error: new MarcRecordError(position, offset, 'the file ends inside a <record> element'),
        };
      } else if (position === 0) {
        yield {
          ok: false,
          position: 1,
          offset: 0,
          error: new MarcRecordError(1, 0, 'no MARCXML <record> element found'),
        };
      }
      return;
    }
    const next = await it.next();
    try {
      if (next.done) {
        done = true;
        text += decoder.decode();
      } else text += decoder.decode(next.value, { stream: true });
    } catch {
      position++;
      yield {
        ok: false,
        position,
        offset: textStart,
        error: new MarcRecordError(position, textStart, 'the XML is not valid UTF-8'),
      };
      return;
    }
    // Keep memory flat: drop text before the next record start once none is pending.
    RECORD_OPEN.lastIndex = 0;
    if (text.length > 1 << 16 && !RECORD_OPEN.test(text)) {
      const keep = text.lastIndexOf('<');
      textStart += keep;
      text = text.slice(keep);
    }
  }
}

type Element = { name: string; attrs: Record<string, string>; children: (Element | string)[] };

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const unescapeXml = (s: string) =>
  s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    const v = ENTITY[e];
    if (v === undefined) throw new Reject(`unknown XML entity ${m}`);
    return v;
  });
const localName = (n: string) => n.slice(n.indexOf(':') + 1);

/** A small parser for the element subset MARCXML uses: elements, attributes, text, CDATA, comments. */
function parseXml(xml: string): Element {
  const token =
    /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  const root: Element = { name: '#root', attrs: {}, children: [] };
  const stack: Element[] = [root];
  for (let m = token.exec(xml); m; m = token.exec(xml)) {
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.children.push(m[1]);
    else if (m[3] !== undefined) {
      if (m[2] === '/') {
        if (localName(top.name) !== localName(m[3]) || stack.length === 1)
          throw new Reject(`closing tag </${m[3]}> does not match <${top.name}>`);
        stack.pop();
        continue;
      }
      const attrs: Record<string, string> = {};
      for (const a of (m[4] ?? '').matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
        attrs[a[1]!] = unescapeXml(a[2] ?? a[3] ?? '');
      const el: Element = { name: m[3], attrs, children: [] };
      top.children.push(el);
      if (m[5] !== '/') stack.push(el);
    } else if (m[6] !== undefined) top.children.push(unescapeXml(m[6]));
    else if (m[7] !== undefined) throw new Reject(`malformed markup at character ${m.index}`);
  }
  if (stack.length > 1) throw new Reject(`element <${stack[stack.length - 1]!.name}> is not closed`);
  const el = root.children.find((c): c is Element => typeof c !== 'string');
  if (!el) throw new Reject('no element');
  return el;
}

const textOf = (e: Element) => e.children.filter((c): c is string => typeof c === 'string').join('');
const elements = (e: Element) => e.children.filter((c): c is Element => typeof c !== 'string');

/**
 * One <record>. What a reader can read past is kept with a warning (ruby-marc and pymarc read these
 * files too): a leader of the wrong length (padded or cut to 24), a tag of one or two digits
 * (zero-padded, "42" → "042", as ruby-marc does), indicators that are not one ASCII character
 * (blanks); a field with another bad tag and a subfield with a bad code are left out. A leader that
 * is not ASCII, no leader and no fields reject the record.
 */
function parseRecordElement(xml: string): { record: MarcRecord; warnings: string[] } {
  const rec = parseXml(xml);
  const warnings: string[] = [];
  let leader = '';
  const fields: Field[] = [];
  const tagOf = (el: Element, kind: string) => {
    const tag = el.attrs.tag ?? '';
    if (TAG_RE.test(tag)) return tag;
    if (/^[0-9]{1,2}$/.test(tag)) {
      warnings.push(`${kind} tag "${tag}" read as "${tag.padStart(3, '0')}"`);
      return tag.padStart(3, '0');
    }
    warnings.push(`${kind} tag "${tag}" is not three letters or digits; the field is left out`);
    return null;
  };
  for (const el of elements(rec)) {
    const name = localName(el.name);
    if (name === 'leader') {
      leader = textOf(el);
      if (/[^\x20-\x7e]/.test(leader)) throw new Reject(`leader "${leader}" is not ASCII`);
      if (leader.length !== 24) {
        warnings.push(
          `leader "${leader}" is ${leader.length} characters, not 24; read as "${leader.padEnd(24, ' ').slice(0, 24)}"`,
        );
        leader = leader.padEnd(24, ' ').slice(0, 24);
      }
      continue;
    }
    if (name === 'controlfield') {
      const tag = tagOf(el, 'controlfield');
      if (tag) fields.push({ tag, value: textOf(el) });
    } else if (name === 'datafield') {
      const tag = tagOf(el, 'datafield');
      if (!tag) continue;
      if (isControlTag(tag)) throw new Reject(`tag ${tag} is a control field but is given as a datafield`);
      let ind1 = el.attrs.ind1 ?? ' ';
      let ind2 = el.attrs.ind2 ?? ' ';
      if (!INDICATOR_RE.test(ind1) || !INDICATOR_RE.test(ind2)) {
        warnings.push(
          `datafield ${tag}: indicators "${ind1}" "${ind2}" are not one ASCII character each; bad ones read as blanks`,
        );
        if (!INDICATOR_RE.test(ind1)) ind1 = ' ';
        if (!INDICATOR_RE.test(ind2)) ind2 = ' ';
      }
      const subfields: DataField['subfields'] = [];
      for (const sf of elements(el)) {
        if (localName(sf.name) !== 'subfield') continue;
        const code = sf.attrs.code ?? '';
        if (!CODE_RE.test(code)) {
          warnings.push(
            `datafield ${tag}: subfield code "${code}" is not one ASCII character; the subfield "${textOf(sf)}" is left out`,
          );
          continue;
        }
        subfields.push({ code, value: textOf(sf) });
      }
      fields.push({ tag, ind1, ind2, subfields });
    }
  }
  if (!leader) throw new Reject('the record has no leader');
  if (fields.length === 0) throw new Reject('the record has no fields');
  warnings.push(...recordWarnings(fields));
  return { record: { leader, fields }, warnings };
}

const escapeXml = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** One <record> element, namespaced by the enclosing collection. Ldr/09 says UTF-8 as XML always is. */
export function encodeMarcXmlRecord(record: MarcRecord): string {
  const leader = `${(record.leader || '').padEnd(24, ' ').slice(0, 9)}a${(record.leader || '').padEnd(24, ' ').slice(10, 24)}`;
  const lines = [`  <record>`, `    <leader>${escapeXml(leader)}</leader>`];
  for (const f of record.fields) {
    if (isControlField(f))
      lines.push(`    <controlfield tag="${f.tag}">${escapeXml(f.value)}</controlfield>`);
    else {
      lines.push(`    <datafield tag="${f.tag}" ind1="${escapeXml(f.ind1)}" ind2="${escapeXml(f.ind2)}">`);
      for (const s of f.subfields)
        lines.push(`      <subfield code="${escapeXml(s.code)}">${escapeXml(s.value)}</subfield>`);
      lines.push('    </datafield>');
    }
  }
  lines.push('  </record>');
  return `${lines.join('\n')}\n`;
}

export const MARCXML_HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="${MARCXML_NS}">\n`;
export const MARCXML_TAIL = '</collection>\n';
