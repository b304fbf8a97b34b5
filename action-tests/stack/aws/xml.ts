// Minimal XML for the REST-XML services (S3, CloudFront): a small parser for the request bodies the
// SDKs send (elements, text, entities, CDATA; attributes and namespaces ignored) and an escaper for
// responses. Not a general XML library: enough for AWS request shapes, with clear errors.
import { AwsError } from './types.ts';

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** Parse an XML document; throws `MalformedXML` (S3's code; callers may rethrow their own). */
export function parseXml(source: string): XmlElement {
  const malformed = (): AwsError =>
    new AwsError(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > i) stack[stack.length - 1]!.text += decodeEntities(source.slice(i, textEnd));
    if (lt < 0) break;
    if (source.startsWith('<?', lt)) {
      const end = source.indexOf('?>', lt);
      if (end < 0) throw malformed();
      i = end + 2;
    } else if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt);
      if (end < 0) throw malformed();
      i = end + 3;
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt);
      if (end < 0) throw malformed();
      stack[stack.length - 1]!.text += source.slice(lt + 9, end);
      i = end + 3;
    } else if (source.startsWith('</', lt)) {
      const end = source.indexOf('>', lt);
      if (end < 0) throw malformed();
      const name = source.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (open === undefined || open.name !== name || stack.length === 0) throw malformed();
      i = end + 1;
    } else {
      const end = source.indexOf('>', lt);
      if (end < 0) throw malformed();
      let inner = source.slice(lt + 1, end);
      const selfClosing = inner.endsWith('/');
      if (selfClosing) inner = inner.slice(0, -1);
      const name = /^[^\s/>]+/.exec(inner)?.[0];
      if (name === undefined) throw malformed();
      const element: XmlElement = { name: name.replace(/^.*:/, ''), children: [], text: '' };
      stack[stack.length - 1]!.children.push(element);
      if (!selfClosing) stack.push(element);
      i = end + 1;
    }
  }
  if (stack.length !== 1 || root.children.length !== 1) throw malformed();
  return root.children[0]!;
}

/** First child named `name`. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Text of the first child named `name` (`undefined` when absent). */
export function childText(el: XmlElement, name: string): string | undefined {
  return child(el, name)?.text;
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** `<name>escaped value</name>`, or '' when the value is undefined. */
export function tag(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
