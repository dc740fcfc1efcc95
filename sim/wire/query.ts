/**
 * ec2Query and awsQuery: form-urlencoded requests, XML responses.
 *
 * Requests are decoded the way `QueryShapeSerializer` (in @aws-sdk/core) writes them: `Action` and
 * `Version`, then members by key (ec2: `ec2QueryName` ?? capitalised `xmlName`/member; awsQuery: `xmlName`
 * ?? member), lists as `Key.N` (ec2, and awsQuery `@xmlFlattened`) or `Key.member.N` (awsQuery), maps as
 * `Key.entry.N.key` / `Key.entry.N.value`, an empty awsQuery list as `Key=`.
 *
 * Responses are encoded the way `XmlShapeDeserializer` reads them: members by their own `xmlName` ?? member
 * name, list items as `<item>` (EC2 models name them) or `<member>`, maps as `<entry><key/><value/></entry>`.
 */

import { scalarFromString, scalarToString } from "./scalars";
import type { ListShape, MapShape, Member, Shape, StructShape } from "./schema";

// ---------------------------------------------------------------------------------------------------------
// Form parsing

/** One node of the dotted key tree: `Filter.1.Value.1=x` → Filter → 1 → Value → 1 (v = "x"). */
export interface FormNode {
  v: string | undefined;
  c: Map<string, FormNode> | undefined;
}

function decodeComponent(s: string): string {
  if (s.indexOf("%") === -1 && s.indexOf("+") === -1) return s;
  const plus = s.indexOf("+") === -1 ? s : s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** Parse an `application/x-www-form-urlencoded` body into flat pairs. */
export function parseFormPairs(body: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (body.length === 0) return pairs;
  for (const part of body.split("&")) {
    if (part.length === 0) continue;
    const eq = part.indexOf("=");
    const k = eq === -1 ? part : part.slice(0, eq);
    const v = eq === -1 ? "" : part.slice(eq + 1);
    pairs.push([decodeComponent(k), decodeComponent(v)]);
  }
  return pairs;
}

export function buildFormTree(pairs: readonly [string, string][]): FormNode {
  const root: FormNode = { v: undefined, c: undefined };
  for (const [key, value] of pairs) {
    let node = root;
    for (const seg of key.split(".")) {
      node.c ??= new Map();
      let next = node.c.get(seg);
      if (next === undefined) {
        next = { v: undefined, c: undefined };
        node.c.set(seg, next);
      }
      node = next;
    }
    node.v = value;
  }
  return root;
}

// ---------------------------------------------------------------------------------------------------------
// Query decode

export interface QueryDialect {
  ec2: boolean;
}

function numberedChildren(node: FormNode | undefined): FormNode[] {
  if (node?.c === undefined) return [];
  const items: [number, FormNode][] = [];
  for (const [k, child] of node.c) {
    const n = Number(k);
    if (Number.isInteger(n) && n > 0) items.push([n, child]);
  }
  if (items.length > 1) items.sort((a, b) => a[0] - b[0]);
  return items.map((e) => e[1]);
}

function decodeList(list: ListShape, flattened: boolean, node: FormNode, d: QueryDialect): unknown[] {
  const itemMember = list.member;
  const container = d.ec2 || flattened ? node : node.c?.get(itemMember.xmlName ?? "member");
  const out: unknown[] = [];
  for (const child of numberedChildren(container)) {
    const v = decodeValue(itemMember.shape, itemMember.flattened, child, d);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function decodeMap(
  map: MapShape,
  flattened: boolean,
  node: FormNode,
  d: QueryDialect,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const container = flattened ? node : node.c?.get("entry");
  const keyName = (d.ec2 ? map.key.ec2QueryName : undefined) ?? map.key.xmlName ?? "key";
  const valueName = (d.ec2 ? map.value.ec2QueryName : undefined) ?? map.value.xmlName ?? "value";
  for (const entry of numberedChildren(container)) {
    const k = entry.c?.get(keyName)?.v;
    const vNode = entry.c?.get(valueName);
    if (k === undefined || vNode === undefined) continue;
    const v = decodeValue(map.value.shape, map.value.flattened, vNode, d);
    if (v !== undefined)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function decodeQueryStruct(
  shape: StructShape,
  node: FormNode,
  d: QueryDialect,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (node.c === undefined) return out;
  for (const m of shape.members) {
    const child = node.c.get(d.ec2 ? m.ec2Key : m.queryKey);
    if (child === undefined) continue;
    const v = decodeValue(m.shape, m.flattened, child, d);
    if (v !== undefined) out[m.name] = v;
  }
  return out;
}

function decodeValue(shape: Shape, flattened: boolean, node: FormNode, d: QueryDialect): unknown {
  switch (shape.kind) {
    case "struct":
      return decodeQueryStruct(shape, node, d);
    case "list":
      return decodeList(shape, flattened, node, d);
    case "map":
      return decodeMap(shape, flattened, node, d);
    default:
      return node.v === undefined ? undefined : scalarFromString(shape, node.v, 5);
  }
}

// ---------------------------------------------------------------------------------------------------------
// XML encode

const XML_ESCAPE = /[&<>\r\u0085\u2028]/;
const XML_ESCAPE_G = /[&<>\r\u0085\u2028]/g;
const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "\r": "&#x0D;",
  "\u0085": "&#x85;",
  "\u2028": "&#x2028;",
};

export function escapeXml(s: string): string {
  return XML_ESCAPE.test(s) ? s.replace(XML_ESCAPE_G, (c) => XML_ENTITIES[c] ?? c) : s;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof Date) &&
  !(v instanceof Uint8Array);

/** The XML content (children, no wrapper) of a structure. */
export function encodeXmlStruct(shape: StructShape, value: Record<string, unknown>): string {
  let xml = "";
  for (const m of shape.members) {
    const v = value[m.name];
    if (v === undefined || v === null) continue;
    xml += encodeXmlMember(m, m.xmlElement, v);
  }
  return xml;
}

/** `<name>value</name>` for one member (or repeated elements for flattened lists/maps). */
function encodeXmlMember(m: Member, name: string, v: unknown): string {
  const shape = m.shape;
  switch (shape.kind) {
    case "struct":
      return isRecord(v) ? `<${name}>${encodeXmlStruct(shape, v)}</${name}>` : "";
    case "list": {
      if (!Array.isArray(v)) return "";
      const item = shape.member;
      if (m.flattened) {
        let xml = "";
        for (const e of v) if (e !== undefined && e !== null) xml += encodeXmlMember(item, name, e);
        return xml;
      }
      if (v.length === 0) return `<${name}/>`;
      const itemName = item.xmlName ?? "member";
      let xml = `<${name}>`;
      for (const e of v) if (e !== undefined && e !== null) xml += encodeXmlMember(item, itemName, e);
      return `${xml}</${name}>`;
    }
    case "map": {
      if (!isRecord(v)) return "";
      const keyName = shape.key.xmlName ?? "key";
      const valueName = shape.value.xmlName ?? "value";
      let entries = "";
      for (const k of Object.keys(v)) {
        const e = v[k];
        if (e === undefined || e === null) continue;
        const kv = `<${keyName}>${escapeXml(k)}</${keyName}>${encodeXmlMember(shape.value, valueName, e)}`;
        entries += m.flattened ? `<${name}>${kv}</${name}>` : `<entry>${kv}</entry>`;
      }
      return m.flattened ? entries : `<${name}>${entries}</${name}>`;
    }
    default: {
      const s = scalarToString(shape, v, 5);
      return s === undefined ? "" : `<${name}>${escapeXml(s)}</${name}>`;
    }
  }
}
