/**
 * Telegram's `parse_mode` parsers (HTML, MarkdownV2, legacy Markdown), ported from TDLib's
 * `td/telegram/MessageEntity.cpp` (`parse_html`, `parse_markdown_v2`, `parse_markdown`,
 * `fix_formatted_text`). Error texts are TDLib's; the Bot API prefixes them with
 * `Bad Request: can't parse entities: `. Byte offsets are UTF-8 offsets into the input,
 * entity offsets/lengths are UTF-16 code units (JS string indices), as on the wire.
 */

/** A Bot API `MessageEntity` as produced by parsing (subset of fields that parsing can yield). */
export interface TelegramEntity {
  /** Entity type, e.g. "bold", "text_link", "pre", "expandable_blockquote". */
  type: string;
  /** Offset in UTF-16 code units. */
  offset: number;
  /** Length in UTF-16 code units. */
  length: number;
  /** For "text_link": the URL. */
  url?: string;
  /** For "pre": the programming language. */
  language?: string;
  /** For "custom_emoji": the custom emoji id. */
  custom_emoji_id?: string;
  /** For "text_mention": the mentioned user (only the id is known to the parser). */
  user?: { id: number };
}

/** Outcome of {@link parseTelegramText}: the visible text with its entities, or Telegram's error text. */
export type TelegramTextParseResult =
  | { ok: true; text: string; entities: TelegramEntity[] }
  | { ok: false; error: string };

/** Options for {@link parseTelegramText}. */
export interface TelegramTextParseOptions {
  /** Reject `&name;` references other than lt/gt/amp/quot (Telegram itself keeps them as literal text). */
  rejectUnknownHtmlEntities?: boolean;
}

interface RawEntity {
  kind: EntityKind;
  offset: number;
  length: number;
  argument: string;
  userId?: number;
}

type EntityKind =
  | "Bold"
  | "Italic"
  | "Underline"
  | "Strikethrough"
  | "Spoiler"
  | "Code"
  | "Pre"
  | "PreCode"
  | "TextUrl"
  | "MentionName"
  | "CustomEmoji"
  | "BlockQuote"
  | "ExpandableBlockQuote";

// TDLib MessageEntity::get_type_priority
const PRIORITY: Record<EntityKind, number> = {
  Bold: 90,
  Italic: 91,
  Underline: 92,
  Strikethrough: 93,
  Spoiler: 94,
  Code: 20,
  Pre: 11,
  PreCode: 10,
  TextUrl: 49,
  MentionName: 49,
  CustomEmoji: 99,
  BlockQuote: 0,
  ExpandableBlockQuote: 0,
};

class ParseError extends Error {}

function fail(message: string): never {
  throw new ParseError(message);
}

/** UTF-8 byte offset of code-unit index `i` in `text`. */
function byteOffset(text: string, i: number): number {
  return Buffer.byteLength(text.slice(0, i), "utf8");
}

function isSpace(ch: string): boolean {
  // td::is_space, with "" standing for the terminating NUL
  return ch === "" || ch === " " || ch === "\t" || ch === "\r" || ch === "\n" || ch === "\v" || ch === "\f";
}

function isAlnum(ch: string): boolean {
  return /^[A-Za-z0-9]$/.test(ch);
}

/**
 * td decode_html_entity: returns the decoded code point and the index after the reference,
 * or undefined when `&` does not start a supported reference (it is then literal text).
 */
function decodeHtmlEntity(text: string, pos: number): { code: number; end: number; name?: string } | undefined {
  let end = pos + 1;
  let code = 0;
  if (text.charAt(pos + 1) === "#") {
    end++;
    if (text.charAt(pos + 2) === "x") {
      end++;
      while (/^[0-9a-fA-F]$/.test(text.charAt(end))) {
        code = code * 16 + Number.parseInt(text.charAt(end), 16);
        end++;
        if (code > 0x10ffff * 16) break;
      }
    } else {
      while (/^[0-9]$/.test(text.charAt(end))) {
        code = code * 10 + Number(text.charAt(end));
        end++;
        if (code > 0x10ffff * 10) break;
      }
    }
    if (code === 0 || code >= 0x10ffff || end - pos >= 10) {
      return undefined;
    }
  } else {
    while (/^[A-Za-z]$/.test(text.charAt(end))) {
      end++;
    }
    const name = text.slice(pos + 1, end);
    if (name === "lt") code = 0x3c;
    else if (name === "gt") code = 0x3e;
    else if (name === "amp") code = 0x26;
    else if (name === "quot") code = 0x22;
    else return name === "" ? undefined : { code: 0, end, name };
  }
  if (text.charAt(end) === ";") {
    end++;
  }
  return { code, end };
}

function linkUserId(url: string): number | undefined {
  const m = /^tg:(?:\/\/)?user\?id=(\d+)$/i.exec(url.trim());
  if (!m?.[1]) return undefined;
  const id = Number(m[1]);
  return id > 0 && Number.isSafeInteger(id) ? id : undefined;
}

/** Rough equivalent of LinkManager::get_checked_link: returns "" for links Telegram drops. */
function checkedLink(url: string): string {
  const trimmed = url.trim();
  if (trimmed === "" || /\s/.test(trimmed)) return "";
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `http://${trimmed}`;
  try {
    const parsed = new URL(withScheme);
    if ((parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.hostname === "") return "";
    return withScheme;
  } catch {
    return "";
  }
}

function parseHtml(text: string, options: TelegramTextParseOptions): { text: string; entities: RawEntity[] } {
  let result = "";
  const entities: RawEntity[] = [];
  const nested: { tag: string; argument: string; offset: number }[] = [];
  let needUtf8Recheck = false;
  const n = text.length;

  for (let i = 0; i < n; i++) {
    const c = text.charAt(i);
    if (c === "&") {
      const decoded = decodeHtmlEntity(text, i);
      if (decoded && decoded.name === undefined) {
        if (decoded.code >= 0xd800 && decoded.code <= 0xdfff) needUtf8Recheck = true;
        result += String.fromCodePoint(decoded.code);
        i = decoded.end - 1;
        continue;
      }
      if (decoded?.name !== undefined && options.rejectUnknownHtmlEntities) {
        fail(`Unsupported HTML entity "&${decoded.name};" at byte offset ${byteOffset(text, i)}`);
      }
    }
    if (c !== "<") {
      result += c;
      continue;
    }

    const beginPos = i++;
    if (text.charAt(i) !== "/") {
      // start tag
      while (!isSpace(text.charAt(i)) && text.charAt(i) !== ">") i++;
      if (i >= n) fail(`Unclosed start tag at byte offset ${byteOffset(text, beginPos)}`);
      const tag = text.slice(beginPos + 1, i).toLowerCase();
      if (
        ![
          "a",
          "b",
          "strong",
          "i",
          "em",
          "s",
          "strike",
          "del",
          "u",
          "ins",
          "tg-spoiler",
          "tg-emoji",
          "span",
          "pre",
          "code",
          "blockquote",
        ].includes(tag)
      ) {
        fail(`Unsupported start tag "${tag}" at byte offset ${byteOffset(text, beginPos)}`);
      }

      let argument = "";
      while (text.charAt(i) !== ">") {
        while (i < n && isSpace(text.charAt(i))) i++;
        if (text.charAt(i) === ">") break;
        const attrBegin = i;
        while (!isSpace(text.charAt(i)) && !"=>/\"'".includes(text.charAt(i))) i++;
        const attrName = text.slice(attrBegin, i);
        if (attrName === "") {
          fail(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(text, beginPos)}`);
        }
        while (i < n && isSpace(text.charAt(i))) i++;
        if (text.charAt(i) !== "=") {
          if (i >= n) fail(`Unclosed start tag "${tag}" at byte offset ${byteOffset(text, beginPos)}`);
          if (tag === "blockquote" && attrName === "expandable") argument = "1";
          continue;
        }
        i++;
        while (i < n && isSpace(text.charAt(i))) i++;
        if (i >= n) fail(`Unclosed start tag "${tag}" at byte offset ${byteOffset(text, beginPos)}`);

        let value = "";
        const q = text.charAt(i);
        if (q !== "'" && q !== '"') {
          const tokenBegin = i;
          while (isAlnum(text.charAt(i)) || text.charAt(i) === "." || text.charAt(i) === "-") i++;
          value = text.slice(tokenBegin, i).toLowerCase();
          if (!isSpace(text.charAt(i)) && text.charAt(i) !== ">") {
            fail(`Unexpected end of name token at byte offset ${byteOffset(text, tokenBegin)}`);
          }
        } else {
          i++;
          while (i < n && text.charAt(i) !== q) {
            if (text.charAt(i) === "&") {
              const decoded = decodeHtmlEntity(text, i);
              if (decoded && decoded.name === undefined) {
                value += String.fromCodePoint(decoded.code);
                i = decoded.end;
                continue;
              }
            }
            value += text.charAt(i++);
          }
          if (text.charAt(i) === q) i++;
        }
        if (i >= n) fail(`Unclosed start tag at byte offset ${byteOffset(text, beginPos)}`);

        if (tag === "a" && attrName === "href") argument = value;
        else if (tag === "code" && attrName === "class" && value.startsWith("language-")) argument = value.slice(9);
        else if (tag === "span" && attrName === "class" && value.startsWith("tg-")) argument = value.slice(3);
        else if (tag === "tg-emoji" && attrName === "emoji-id") argument = value;
        else if (tag === "blockquote" && attrName === "expandable") argument = "1";
      }

      if (tag === "span" && argument !== "spoiler") {
        fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(text, beginPos)}`);
      }
      nested.push({ tag, argument, offset: result.length });
    } else {
      // end tag
      const top = nested[nested.length - 1];
      if (!top) fail(`Unexpected end tag at byte offset ${byteOffset(text, beginPos)}`);
      while (!isSpace(text.charAt(i)) && text.charAt(i) !== ">") i++;
      const endTag = text.slice(beginPos + 2, i).toLowerCase();
      while (i < n && isSpace(text.charAt(i))) i++;
      if (text.charAt(i) !== ">") fail(`Unclosed end tag at byte offset ${byteOffset(text, beginPos)}`);
      const tag = top.tag;
      if (endTag !== "" && endTag !== tag) {
        fail(
          `Unmatched end tag at byte offset ${byteOffset(text, beginPos)}, expected "</${tag}>", found "</${endTag}>"`,
        );
      }

      if (result.length > top.offset) {
        const offset = top.offset;
        const length = result.length - offset;
        const add = (kind: EntityKind, argument = "", userId?: number): void => {
          entities.push(userId === undefined ? { kind, offset, length, argument } : { kind, offset, length, argument, userId });
        };
        if (tag === "i" || tag === "em") add("Italic");
        else if (tag === "b" || tag === "strong") add("Bold");
        else if (tag === "s" || tag === "strike" || tag === "del") add("Strikethrough");
        else if (tag === "u" || tag === "ins") add("Underline");
        else if (tag === "tg-spoiler" || tag === "span") add("Spoiler");
        else if (tag === "tg-emoji") {
          if (!/^[0-9]+$/.test(top.argument) || BigInt(top.argument) === 0n || BigInt(top.argument) >= 2n ** 63n) {
            fail("Invalid custom emoji identifier specified");
          }
          add("CustomEmoji", top.argument);
        } else if (tag === "a") {
          const url = top.argument === "" ? result.slice(offset) : top.argument;
          const userId = linkUserId(url);
          if (userId !== undefined) add("MentionName", "", userId);
          else {
            const checked = checkedLink(url);
            if (checked !== "") add("TextUrl", checked);
          }
        } else if (tag === "pre") {
          const last = entities[entities.length - 1];
          if (last && last.kind === "Code" && last.offset === offset && last.length === length && last.argument !== "") {
            last.kind = "PreCode";
          } else {
            add("Pre");
          }
        } else if (tag === "code") {
          const last = entities[entities.length - 1];
          if (last && last.kind === "Pre" && last.offset === offset && last.length === length && top.argument !== "") {
            last.kind = "PreCode";
            last.argument = top.argument;
          } else {
            add("Code", top.argument);
          }
        } else if (tag === "blockquote") {
          add(top.argument !== "" ? "ExpandableBlockQuote" : "BlockQuote");
        }
      }
      nested.pop();
    }
  }
  const unclosed = nested[nested.length - 1];
  if (unclosed) fail(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  for (const e of entities) {
    if (e.kind === "Code") e.argument = "";
  }
  if (needUtf8Recheck) {
    // TDLib encodes each decoded surrogate separately, which is never valid UTF-8
    fail(
      "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units",
    );
  }
  return { text: result, entities };
}

function customEmojiIdFromUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):(?:\/\/)?([^/?#]*)\/?\??(.*)$/i.exec(url);
  if (!m || m[1]?.toLowerCase() !== "tg") fail("Custom emoji URL must have scheme tg");
  if ((m[2] ?? "").toLowerCase() !== "emoji") fail('Custom emoji URL must have host "emoji"');
  const id = new URLSearchParams(m[3] ?? "").get("id");
  if (id === null || id === "") fail("Custom emoji URL must have an emoji identifier");
  if (!/^[0-9]+$/.test(id) || BigInt(id) === 0n || BigInt(id) >= 2n ** 63n) {
    fail("Invalid custom emoji identifier specified");
  }
  return id;
}

function parseMarkdownV2(text: string): { text: string; entities: RawEntity[] } {
  let result = "";
  const entities: RawEntity[] = [];
  const nested: { kind: EntityKind; argument: string; offset: number; byteStart: number }[] = [];
  let haveBlockquote = false;
  let canStartBlockquote = true;
  const n = text.length;
  const reservedError = (ch: string): never =>
    fail(`Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
  const endError = (e: { kind: EntityKind; byteStart: number }): never =>
    fail(`Can't find end of ${e.kind} entity at byte offset ${byteOffset(text, e.byteStart)}`);

  for (let i = 0; i < n; i++) {
    const c = text.charAt(i);
    const next = text.charCodeAt(i + 1);
    if (c === "\\" && next > 0 && next <= 126) {
      i++;
      result += text.charAt(i);
      if (text.charAt(i) !== "\r") canStartBlockquote = text.charAt(i) === "\n";
      continue;
    }

    const top = nested[nested.length - 1];
    const reserved = top && (top.kind === "Code" || top.kind === "Pre" || top.kind === "PreCode") ? "`" : "_*[]()~`>#+-=|{}.!\n";
    if (!reserved.includes(c)) {
      result += c;
      if (c !== "\r") canStartBlockquote = false;
      continue;
    }

    const isEnd = ((): boolean => {
      if (!top) return false;
      if (haveBlockquote && c === "\n" && (i + 1 === n || text.charAt(i + 1) !== ">")) return true;
      switch (top.kind) {
        case "Bold":
          return c === "*";
        case "Italic":
          return c === "_" && text.charAt(i + 1) !== "_";
        case "Code":
          return c === "`";
        case "Pre":
        case "PreCode":
          return c === "`" && text.charAt(i + 1) === "`" && text.charAt(i + 2) === "`";
        case "TextUrl":
        case "CustomEmoji":
          return c === "]";
        case "Underline":
          return c === "_" && text.charAt(i + 1) === "_";
        case "Strikethrough":
          return c === "~";
        case "Spoiler":
          return c === "|" && text.charAt(i + 1) === "|";
        default:
          return false;
      }
    })();

    if (!isEnd) {
      let kind: EntityKind | undefined;
      let argument = "";
      const byteStart = i;
      switch (c) {
        case "_":
          if (text.charAt(i + 1) === "_") {
            kind = "Underline";
            i++;
          } else {
            kind = "Italic";
          }
          break;
        case "*":
          kind = "Bold";
          break;
        case "~":
          kind = "Strikethrough";
          break;
        case "|":
          if (text.charAt(i + 1) !== "|") reservedError(c);
          i++;
          kind = "Spoiler";
          break;
        case "[":
          kind = "TextUrl";
          break;
        case "`":
          if (text.charAt(i + 1) === "`" && text.charAt(i + 2) === "`") {
            i += 3;
            kind = "Pre";
            let languageEnd = i;
            while (!isSpace(text.charAt(languageEnd)) && text.charAt(languageEnd) !== "`") languageEnd++;
            if (i !== languageEnd && languageEnd < n && text.charAt(languageEnd) !== "`") {
              kind = "PreCode";
              argument = text.slice(i, languageEnd);
              i = languageEnd;
            }
            const a = text.charAt(i);
            if (a === "\n" || a === "\r") {
              const b = text.charAt(i + 1);
              if ((b === "\n" || b === "\r") && a !== b) i += 2;
              else i++;
            }
            i--;
          } else {
            kind = "Code";
          }
          break;
        case "!":
          if (text.charAt(i + 1) !== "[") reservedError(c);
          i++;
          kind = "CustomEmoji";
          break;
        case "\n":
          result += "\n";
          canStartBlockquote = true;
          break;
        case ">":
          if (!canStartBlockquote) reservedError(c);
          if (!haveBlockquote) {
            kind = "BlockQuote";
            haveBlockquote = true;
          }
          break;
        default:
          reservedError(c);
      }
      if (kind === undefined) continue;
      nested.push({ kind, argument, offset: result.length, byteStart });
      continue;
    }

    // end of an entity
    let current = top as (typeof nested)[number];
    let kind = current.kind;
    if (c === "\n" && kind !== "BlockQuote") {
      const isExpandableMarker =
        kind === "Spoiler" &&
        (current.byteStart === i - 2 || (current.byteStart === i - 3 && result.endsWith("\r")));
      if (!isExpandableMarker) endError(current);
      nested.pop();
      const outer = nested[nested.length - 1];
      if (!outer || outer.kind !== "BlockQuote") endError(outer ?? current);
      current = outer as (typeof nested)[number];
      kind = "ExpandableBlockQuote";
    }
    let argument = current.argument;
    let userId: number | undefined;
    let skip = result.length === current.offset;
    switch (kind) {
      case "Underline":
      case "Spoiler":
        i++;
        break;
      case "Pre":
      case "PreCode":
        i += 2;
        break;
      case "TextUrl": {
        let url = "";
        if (text.charAt(i + 1) !== "(") {
          url = result.slice(current.offset);
        } else {
          i += 2;
          const urlBegin = i;
          while (i < n && text.charAt(i) !== ")") {
            const code = text.charCodeAt(i + 1);
            if (text.charAt(i) === "\\" && code > 0 && code <= 126) {
              url += text.charAt(i + 1);
              i += 2;
              continue;
            }
            url += text.charAt(i++);
          }
          if (text.charAt(i) !== ")") fail(`Can't find end of a URL at byte offset ${byteOffset(text, urlBegin)}`);
        }
        userId = linkUserId(url);
        if (userId === undefined) {
          const checked = checkedLink(url);
          if (checked === "") skip = true;
          else argument = checked;
        }
        break;
      }
      case "CustomEmoji": {
        if (text.charAt(i + 1) !== "(") fail("Custom emoji entity must contain a tg://emoji URL");
        i += 2;
        let url = "";
        const urlBegin = i;
        while (i < n && text.charAt(i) !== ")") {
          const code = text.charCodeAt(i + 1);
          if (text.charAt(i) === "\\" && code > 0 && code <= 126) {
            url += text.charAt(i + 1);
            i += 2;
            continue;
          }
          url += text.charAt(i++);
        }
        if (text.charAt(i) !== ")") {
          fail(`Can't find end of a custom emoji URL at byte offset ${byteOffset(text, urlBegin)}`);
        }
        argument = customEmojiIdFromUrl(url);
        break;
      }
      case "BlockQuote":
      case "ExpandableBlockQuote":
        haveBlockquote = false;
        result += text.charAt(i);
        canStartBlockquote = true;
        skip = false;
        break;
      default:
        break;
    }
    if (!skip) {
      const length = result.length - current.offset;
      const entity: RawEntity = { kind: userId !== undefined ? "MentionName" : kind, offset: current.offset, length, argument };
      if (userId !== undefined) entity.userId = userId;
      entities.push(entity);
    }
    nested.pop();
  }

  if (haveBlockquote) {
    let kind: EntityKind = "BlockQuote";
    const top = nested[nested.length - 1];
    if (top && top.kind === "Spoiler" && top.byteStart === n - 2) {
      nested.pop();
      kind = "ExpandableBlockQuote";
    }
    const quote = nested[nested.length - 1];
    if (quote && quote.kind === "BlockQuote") {
      const length = result.length - quote.offset;
      if (length !== 0) entities.push({ kind, offset: quote.offset, length, argument: "" });
      nested.pop();
    }
  }
  const unclosed = nested[nested.length - 1];
  if (unclosed) endError(unclosed);
  return { text: result, entities };
}

function parseMarkdownV1(text: string): { text: string; entities: RawEntity[] } {
  let result = "";
  const entities: RawEntity[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charAt(i);
    if (c === "\\" && "_*`[".includes(text.charAt(i + 1)) && text.charAt(i + 1) !== "") {
      i++;
      result += text.charAt(i);
      continue;
    }
    if (!"_*`[".includes(c)) {
      result += c;
      continue;
    }
    const beginPos = i;
    const endChar = c === "[" ? "]" : c;
    let isPre = false;
    i++;
    let language = "";
    if (c === "`" && text.charAt(i) === "`" && text.charAt(i + 1) === "`") {
      i += 2;
      isPre = true;
      let languageEnd = i;
      while (!isSpace(text.charAt(languageEnd)) && text.charAt(languageEnd) !== "`") languageEnd++;
      if (i !== languageEnd && languageEnd < n && text.charAt(languageEnd) !== "`") {
        language = text.slice(i, languageEnd);
        i = languageEnd;
      }
      const a = text.charAt(i);
      if (a === "\n" || a === "\r") {
        const b = text.charAt(i + 1);
        if ((b === "\n" || b === "\r") && a !== b) i += 2;
        else i++;
      }
    }
    const offset = result.length;
    while (
      i < n &&
      (text.charAt(i) !== endChar || (isPre && !(text.charAt(i + 1) === "`" && text.charAt(i + 2) === "`")))
    ) {
      result += text.charAt(i++);
    }
    if (i >= n) fail(`Can't find end of the entity starting at byte offset ${byteOffset(text, beginPos)}`);
    const length = result.length - offset;
    if (length > 0) {
      if (c === "_") entities.push({ kind: "Italic", offset, length, argument: "" });
      else if (c === "*") entities.push({ kind: "Bold", offset, length, argument: "" });
      else if (c === "[") {
        let url: string;
        if (text.charAt(i + 1) !== "(") {
          url = text.slice(beginPos + 1, i);
        } else {
          i += 2;
          url = "";
          while (i < n && text.charAt(i) !== ")") url += text.charAt(i++);
        }
        const userId = linkUserId(url);
        if (userId !== undefined) entities.push({ kind: "MentionName", offset, length, argument: "", userId });
        else {
          const checked = checkedLink(url);
          if (checked !== "") entities.push({ kind: "TextUrl", offset, length, argument: checked });
        }
      } else if (isPre) {
        entities.push({ kind: language === "" ? "Pre" : "PreCode", offset, length, argument: language });
      } else {
        entities.push({ kind: "Code", offset, length, argument: "" });
      }
    }
    if (isPre) i += 2;
  }
  return { text: result, entities };
}

function toBotApiEntity(e: RawEntity): TelegramEntity {
  const base = { offset: e.offset, length: e.length };
  switch (e.kind) {
    case "Bold":
      return { type: "bold", ...base };
    case "Italic":
      return { type: "italic", ...base };
    case "Underline":
      return { type: "underline", ...base };
    case "Strikethrough":
      return { type: "strikethrough", ...base };
    case "Spoiler":
      return { type: "spoiler", ...base };
    case "Code":
      return { type: "code", ...base };
    case "Pre":
      return { type: "pre", ...base };
    case "PreCode":
      return { type: "pre", ...base, language: e.argument };
    case "TextUrl":
      return { type: "text_link", ...base, url: e.argument };
    case "MentionName":
      return { type: "text_mention", ...base, user: { id: e.userId ?? 0 } };
    case "CustomEmoji":
      return { type: "custom_emoji", ...base, custom_emoji_id: e.argument };
    case "BlockQuote":
      return { type: "blockquote", ...base };
    case "ExpandableBlockQuote":
      return { type: "expandable_blockquote", ...base };
  }
}

function sortEntities(entities: RawEntity[]): void {
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length || PRIORITY[a.kind] - PRIORITY[b.kind]);
}

/**
 * TDLib fix_formatted_text trimming for message texts: drops trailing ' '/'\n', leading ' '/'\n' before
 * the first entity, clips entities. Returns undefined when nothing visible is left.
 */
function trimFormatted(text: string, entities: RawEntity[]): { text: string; entities: RawEntity[] } | undefined {
  let kept = entities.filter((e) => e.length > 0);
  let last = text.length - 1;
  while (last >= 0 && (text.charAt(last) === " " || text.charAt(last) === "\n")) last--;
  if (last < 0) return undefined;
  let result = text.slice(0, last + 1);
  kept = kept
    .filter((e) => e.offset < result.length)
    .map((e) => (e.offset + e.length > result.length ? { ...e, length: result.length - e.offset } : e));
  sortEntities(kept);
  const firstEntity = kept[0]?.offset ?? result.length;
  let first = 0;
  while (first < firstEntity && (result.charAt(first) === " " || result.charAt(first) === "\n")) first++;
  if (first > 0) {
    result = result.slice(first);
    kept = kept.map((e) => ({ ...e, offset: e.offset - first }));
  }
  return { text: result, entities: kept };
}

/**
 * Parse `text` the way the Bot API does for `parse_mode` (case-insensitive "HTML", "MarkdownV2",
 * "Markdown"; empty or "none" = plain). On success returns the visible text after Telegram's
 * whitespace trimming and the entities; on failure returns the error text without the
 * `Bad Request: ` prefix, e.g. `can't parse entities: Unsupported start tag "p" at byte offset 0`.
 * An all-whitespace result yields `text must be non-empty`.
 */
export function parseTelegramText(
  text: string,
  parseMode: string | undefined,
  options: TelegramTextParseOptions = {},
): TelegramTextParseResult {
  const mode = (parseMode ?? "").toLowerCase();
  let parsed: { text: string; entities: RawEntity[] };
  if (mode === "" || mode === "none" || text === "") {
    parsed = { text, entities: [] };
  } else if (mode !== "html" && mode !== "markdownv2" && mode !== "markdown") {
    return { ok: false, error: "unsupported parse_mode" };
  } else {
    try {
      parsed =
        mode === "html" ? parseHtml(text, options) : mode === "markdownv2" ? parseMarkdownV2(text) : parseMarkdownV1(text);
    } catch (error) {
      if (error instanceof ParseError) {
        return { ok: false, error: `can't parse entities: ${error.message}` };
      }
      throw error;
    }
  }
  sortEntities(parsed.entities);
  const trimmed = trimFormatted(parsed.text, parsed.entities);
  if (!trimmed) return { ok: false, error: "text must be non-empty" };
  return { ok: true, text: trimmed.text, entities: trimmed.entities.map(toBotApiEntity) };
}

/** Escape text for `parse_mode: "HTML"` (the three characters Telegram requires: `<`, `>`, `&`). */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
