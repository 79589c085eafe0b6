// The chat-grpc emulator's web UI. Plain JavaScript, no build step. Every piece of workspace data (text, names,
// card fields, request JSON) reaches the page through text nodes and checked attributes, never as HTML: the
// DOM is built with createElement/textContent only (no HTML parsing of data anywhere), and links and images take only
// http(s), mailto and data:image URLs.
"use strict";

(() => {
  const API = "/_emulator/api/";
  const POLL_MS = 700; // live updates: well under a second between a change and its display

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "href") { const url = safeUrl(value); if (url) node.setAttribute("href", url); }
      else if (key === "src") { const url = safeUrl(value, true); if (url) node.setAttribute("src", url); }
      else if (key === "on") for (const [name, fn] of Object.entries(value)) node.addEventListener(name, fn);
      else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, String(value));
    }
    append(node, children);
    return node;
  }

  // replaceChildren that skips null/false children (as el does), instead of showing them as "null"
  function replace(node, ...children) {
    node.replaceChildren();
    return append(node, children);
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Only URLs that cannot run script: http(s), mailto and #fragments (links), same-origin paths, data:image (images).
  function safeUrl(value, image) {
    const text = String(value || "").trim();
    if (text.startsWith("/") && !text.startsWith("//")) return text;
    if (!image && text.startsWith("#")) return text;
    if (/^https?:\/\//i.test(text)) return text;
    if (!image && /^mailto:/i.test(text)) return text;
    if (image && /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/i.test(text)) return text;
    return null;
  }

  function link(url, label) {
    const safe = safeUrl(url);
    if (!safe) return document.createTextNode(label || url);
    return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer nofollow", title: safe }, label || url);
  }

  function time(iso, withSeconds) {
    if (!iso) return "";
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return iso;
    const text = when.toISOString();
    return withSeconds ? text.slice(11, 19) : `${text.slice(0, 10)} ${text.slice(11, 16)}`;
  }

  // ------------------------------------------------------------------ Chat text formatting

  const MENTION_BASE = 0xe000; // private-use characters stand for mentions while the text is parsed
  const INLINE = [
    ["code", /`([^`\n]+)`/g],
    ["link", /<((?:https?:\/\/|mailto:)[^|>\s]+)(?:\|([^>\n]+))?>/gi],
    ["url", /\bhttps?:\/\/[^\s<>]*[^\s<>.,;:!?)\]'"]/gi],
    ["bold", /(?<![\p{L}\p{N}*])\*(?!\s)([^*\n]*?[^\s*])\*(?![\p{L}\p{N}*])/gu],
    ["italic", /(?<![\p{L}\p{N}_])_(?!\s)([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])/gu],
    ["strike", /(?<![\p{L}\p{N}~])~(?!\s)([^~\n]*?[^\s~])~(?![\p{L}\p{N}~])/gu],
    ["mention", /[\ue000-\ue7ff]/g],
  ];

  // Chat's formatting of a message's text: *bold*, _italic_, ~strike~, `code`, ```code blocks```, <url|text>
  // links, bare URLs, and user mentions (``mentions``: [{start, length, user}] in code points, as the API's
  // annotations give them). Returns DOM nodes; the text itself only ever becomes text nodes.
  function formatText(text, mentions, people) {
    const chars = Array.from(String(text || "").replace(/[\ue000-\ue7ff]/g, "\ufffd"));
    const labels = [];
    const sorted = (mentions || []).slice().sort((a, b) => b.start - a.start);
    for (const mention of sorted) {
      if (mention.start < 0 || mention.length <= 0 || mention.start + mention.length > chars.length) continue;
      const index = labels.length;
      if (index >= 0x800) break;
      labels.push(mention);
      chars.splice(mention.start, mention.length, String.fromCharCode(MENTION_BASE + index));
    }
    const source = chars.join("");
    const mentionNode = (ch) => {
      const mention = labels[ch.charCodeAt(0) - MENTION_BASE];
      const who = mention.user && people ? people[mention.user] : null;
      const label = mention.label || (who ? `@${who.displayName}` : mention.user === "users/all" ? "@all" : "@someone");
      return el("span", { class: "mention", title: mention.user || "" }, label);
    };
    const plain = (segment) => segment.replace(/[\ue000-\ue7ff]/g, (ch) => mentionNode(ch).textContent);
    const out = [];
    const blocks = /```\n?([\s\S]*?)```/g;
    let at = 0;
    for (let match; (match = blocks.exec(source)); ) {
      out.push(...inline(source.slice(at, match.index), mentionNode));
      out.push(el("pre", { class: "code-block" }, el("code", {}, plain(match[1]))));
      at = blocks.lastIndex;
    }
    out.push(...inline(source.slice(at), mentionNode));
    return out;
  }

  function inline(text, mentionNode) {
    const out = [];
    let at = 0;
    while (at < text.length) {
      let best = null;
      for (const [name, pattern] of INLINE) {
        pattern.lastIndex = at;
        const match = pattern.exec(text);
        if (match && (!best || match.index < best.match.index)) best = { name, match };
      }
      if (!best) break;
      const { name, match } = best;
      if (match.index > at) out.push(document.createTextNode(text.slice(at, match.index)));
      const inner = match[1];
      const strip = (s) => s.replace(/[\ue000-\ue7ff]/g, (ch) => mentionNode(ch).textContent);
      if (name === "code") out.push(el("code", { class: "inline-code" }, strip(inner)));
      else if (name === "link") out.push(link(match[1], match[2] ? strip(match[2]) : match[1]));
      else if (name === "url") out.push(link(match[0], match[0]));
      else if (name === "mention") out.push(mentionNode(match[0]));
      else {
        const tag = { bold: "strong", italic: "em", strike: "s" }[name];
        out.push(el(tag, {}, inline(inner, mentionNode)));
      }
      at = match.index + match[0].length;
    }
    if (at < text.length) out.push(document.createTextNode(text.slice(at)));
    return out;
  }

  // ------------------------------------------------------------------ card text (Chat's HTML subset)

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
  }

  // Card widgets take a small HTML subset (<b> <i> <u> <s> <font color> <a href> <br>); those tags become
  // elements, anything else stays visible as text. MARKDOWN text takes Chat's formatting instead.
  function cardText(text, syntax) {
    if (syntax === "MARKDOWN") return formatText(text, [], null);
    const root = el("span", { class: "card-text" });
    const stack = [root];
    const tags = /<(\/?)(b|strong|i|em|u|s|strike|del|br|a|font)\b([^<>]*)>/gi;
    const source = String(text || "");
    let at = 0;
    for (let match; (match = tags.exec(source)); ) {
      stack[stack.length - 1].append(decodeEntities(source.slice(at, match.index)));
      at = tags.lastIndex;
      const closing = match[1] === "/";
      const name = match[2].toLowerCase();
      if (name === "br") { stack[stack.length - 1].append(el("br")); continue; }
      if (closing) {
        for (let i = stack.length - 1; i > 0; i -= 1) {
          if (stack[i].dataset.tag === name) { stack.length = i; break; }
        }
        continue;
      }
      const attributes = match[3] || "";
      let node;
      if (name === "a") {
        const href = /href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes);
        const url = href ? decodeEntities(href[1] ?? href[2] ?? href[3]) : "";
        node = safeUrl(url) ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" }) : el("span");
      } else if (name === "font") {
        node = el("span");
        const color = /color\s*=\s*["']?(#[0-9a-f]{3,8}|[a-z]{3,20})["']?/i.exec(attributes);
        if (color) node.style.color = color[1];
      } else {
        node = el({ b: "b", strong: "b", i: "i", em: "i", u: "u", s: "s", strike: "s", del: "s" }[name]);
      }
      node.dataset.tag = name;
      stack[stack.length - 1].append(node);
      stack.push(node);
    }
    stack[stack.length - 1].append(decodeEntities(source.slice(at)));
    return root;
  }

  // ------------------------------------------------------------------ Cards v2

  const KNOWN_ICONS = {
    AIRPLANE: "✈", BOOKMARK: "🔖", BUS: "🚌", CAR: "🚗", CLOCK: "🕒", CONFIRMATION_NUMBER_ICON: "🎫",
    DESCRIPTION: "📄", DOLLAR: "$", EMAIL: "✉", EVENT_SEAT: "💺", FLIGHT_ARRIVAL: "🛬", FLIGHT_DEPARTURE: "🛫",
    HOTEL: "🏨", HOTEL_ROOM_TYPE: "🛏", INVITE: "📨", MAP_PIN: "📍", MEMBERSHIP: "🪪", MULTIPLE_PEOPLE: "👥",
    PERSON: "👤", PHONE: "📞", RESTAURANT_ICON: "🍴", SHOPPING_CART: "🛒", STAR: "★", STORE: "🏬", TICKET: "🎟",
    TRAIN: "🚆", VIDEO_CAMERA: "📹", VIDEO_PLAY: "▶",
  };

  function icon(spec) {
    if (!spec) return null;
    const alt = spec.altText || spec.knownIcon || (spec.materialIcon && spec.materialIcon.name) || "icon";
    if (spec.iconUrl) {
      return el("img", { class: `icon${spec.imageType === "CIRCLE" ? " circle" : ""}`, src: spec.iconUrl, alt, title: alt });
    }
    if (spec.knownIcon) return el("span", { class: "icon known", title: spec.knownIcon }, KNOWN_ICONS[spec.knownIcon] || "◆");
    if (spec.materialIcon) return el("span", { class: "icon material", title: spec.materialIcon.name }, "◆");
    return null;
  }

  function onClickTitle(onClick) {
    if (!onClick) return "";
    if (onClick.openLink) return `opens ${onClick.openLink.url}`;
    if (onClick.action) return `calls ${onClick.action.function || "an action"}`;
    if (onClick.openDynamicLinkAction) return `calls ${onClick.openDynamicLinkAction.function || "an action"}`;
    if (onClick.card) return "opens a card";
    if (onClick.overflowMenu) {
      return `menu: ${(onClick.overflowMenu.items || []).map((i) => i.text).join(", ")}`;
    }
    return "";
  }

  function color(c) {
    if (!c) return null;
    const v = (x) => Math.round(255 * Math.min(1, Math.max(0, x || 0)));
    return `rgb(${v(c.red)}, ${v(c.green)}, ${v(c.blue)})`;
  }

  function button(spec) {
    const kind = (spec.type || "TYPE_UNSPECIFIED").toLowerCase();
    const node = el(
      "button",
      { type: "button", class: `btn ${kind}${spec.disabled ? " off" : ""}`, title: onClickTitle(spec.onClick) || spec.altText, disabled: true },
      icon(spec.icon),
      spec.text || (spec.icon ? "" : spec.altText || "button"),
    );
    const fill = color(spec.color);
    if (fill && kind !== "outlined" && kind !== "borderless") { node.style.background = fill; node.style.color = "#fff"; }
    return node;
  }

  function buttonList(spec) {
    return el("div", { class: "button-list" }, (spec.buttons || []).map(button));
  }

  function image(spec) {
    return el("figure", { class: "card-image", title: onClickTitle(spec.onClick) },
      el("img", { src: spec.imageUrl, alt: spec.altText || "image" }),
      spec.altText ? el("figcaption", {}, spec.altText) : null);
  }

  function decoratedText(spec) {
    const end = spec.button ? button(spec.button)
      : spec.switchControl ? el("label", { class: `switch ${(spec.switchControl.controlType || "SWITCH").toLowerCase()}` },
          el("input", { type: "checkbox", disabled: true, checked: !!spec.switchControl.selected }))
      : spec.endIcon ? icon(spec.endIcon) : null;
    return el("div", { class: "decorated", title: onClickTitle(spec.onClick) },
      icon(spec.startIcon || spec.icon),
      el("div", { class: "decorated-body" },
        spec.topLabel || spec.topLabelText ? el("div", { class: "label" }, spec.topLabelText ? cardText(spec.topLabelText.text, spec.topLabelText.textSyntax) : spec.topLabel) : null,
        el("div", { class: `decorated-text${spec.wrapText ? " wrap" : ""}` }, spec.contentText ? cardText(spec.contentText.text, spec.contentText.textSyntax) : cardText(spec.text)),
        spec.bottomLabel || spec.bottomLabelText ? el("div", { class: "label" }, spec.bottomLabelText ? cardText(spec.bottomLabelText.text, spec.bottomLabelText.textSyntax) : spec.bottomLabel) : null),
      end);
  }

  function textInput(spec) {
    const field = spec.type === "MULTIPLE_LINE"
      ? el("textarea", { disabled: true, rows: 3, placeholder: spec.placeholderText || spec.hintText, name: spec.name })
      : el("input", { type: "text", disabled: true, placeholder: spec.placeholderText || spec.hintText, name: spec.name });
    field.value = spec.value || "";
    return el("label", { class: "input" }, el("span", { class: "label" }, spec.label || spec.name || "input"), field,
      spec.hintText ? el("span", { class: "hint" }, spec.hintText) : null);
  }

  function selectionInput(spec) {
    const type = spec.type || "CHECK_BOX";
    const items = spec.items || [];
    let control;
    if (type === "DROPDOWN" || type === "MULTI_SELECT") {
      control = el("select", { disabled: true, multiple: type === "MULTI_SELECT", name: spec.name },
        items.map((item) => { const o = el("option", { value: item.value }, item.text); o.selected = !!item.selected; return o; }));
    } else {
      control = el("div", { class: `choices ${type.toLowerCase()}` }, items.map((item) =>
        el("label", { class: "choice" },
          el("input", { type: type === "RADIO_BUTTON" ? "radio" : "checkbox", disabled: true, checked: !!item.selected, name: spec.name }),
          item.text, item.bottomText ? el("span", { class: "hint" }, ` ${item.bottomText}`) : null)));
    }
    return el("div", { class: "input selection" }, el("span", { class: "label" }, spec.label || spec.name || "selection"), control);
  }

  function dateTimePicker(spec) {
    const type = spec.type || "DATE_AND_TIME";
    const input = el("input", { type: { DATE_ONLY: "date", TIME_ONLY: "time" }[type] || "datetime-local", disabled: true, name: spec.name });
    if (spec.valueMsEpoch !== undefined) {
      const shifted = new Date(Number(spec.valueMsEpoch) + 60000 * (spec.timezoneOffsetDate || 0)).toISOString();
      input.value = type === "DATE_ONLY" ? shifted.slice(0, 10) : type === "TIME_ONLY" ? shifted.slice(11, 16) : shifted.slice(0, 16);
    }
    return el("label", { class: "input" }, el("span", { class: "label" }, spec.label || spec.name || "date"), input);
  }

  function grid(spec) {
    const columns = Math.max(1, Math.min(6, spec.columnCount || 2));
    const node = el("div", { class: "grid", title: onClickTitle(spec.onClick) },
      spec.title ? el("div", { class: "grid-title" }, spec.title) : null,
      el("div", { class: "grid-items" }, (spec.items || []).map((item) =>
        el("div", { class: "grid-item" },
          item.image ? el("img", { src: item.image.imageUri, alt: item.image.altText || item.title || "" }) : null,
          item.title ? el("div", { class: "grid-item-title" }, item.title) : null,
          item.subtitle ? el("div", { class: "label" }, item.subtitle) : null))));
    node.lastChild.style.gridTemplateColumns = `repeat(${columns}, 1fr)`;
    return node;
  }

  function chipList(spec) {
    return el("div", { class: "chips" }, (spec.chips || []).map((chip) =>
      el("span", { class: `chip${chip.disabled ? " off" : ""}`, title: onClickTitle(chip.onClick) || chip.altText }, icon(chip.icon), chip.label || chip.altText || "chip")));
  }

  function columns(spec) {
    return el("div", { class: "columns" }, (spec.columnItems || []).map((column) =>
      el("div", { class: `column ${(column.horizontalSizeStyle || "").toLowerCase()}` }, (column.widgets || []).map(renderWidget))));
  }

  function carousel(spec) {
    return el("div", { class: "carousel" }, (spec.carouselCards || []).map((card) =>
      el("div", { class: "carousel-card" }, (card.widgets || []).map(renderWidget),
        (card.footerWidgets || []).length ? el("div", { class: "carousel-footer" }, card.footerWidgets.map(renderWidget)) : null)));
  }

  const WIDGETS = {
    textParagraph: (spec) => el("div", { class: "paragraph" }, cardText(spec.text, spec.textSyntax)),
    image,
    decoratedText,
    buttonList,
    textInput,
    selectionInput,
    dateTimePicker,
    divider: () => el("hr", { class: "divider" }),
    grid,
    columns,
    carousel,
    chipList,
  };
  const LAYOUT_KEYS = new Set(["horizontalAlignment"]);

  // One widget, by the one data field it carries; a widget this page does not know is shown as a labelled box
  // with its JSON, never dropped.
  function renderWidget(widget) {
    const keys = Object.keys(widget || {}).filter((k) => !LAYOUT_KEYS.has(k));
    const kind = keys.find((k) => k in WIDGETS);
    if (!kind) {
      return el("div", { class: "widget widget-unknown", dataset: { widget: keys.join(",") || "empty" } },
        el("div", { class: "label" }, keys.length ? `unsupported widget: ${keys.join(", ")}` : "empty widget"),
        el("pre", {}, JSON.stringify(widget, null, 1)));
    }
    const node = el("div", { class: "widget", dataset: { widget: kind } }, WIDGETS[kind](widget[kind]));
    if (widget.horizontalAlignment === "CENTER") node.classList.add("center");
    if (widget.horizontalAlignment === "END") node.classList.add("end");
    return node;
  }

  function renderSection(section, key) {
    const widgets = (section.widgets || []).map(renderWidget);
    const node = el("div", { class: "section" }, section.header ? el("div", { class: "section-header" }, cardText(section.header)) : null);
    if (section.collapsible) {
      const keep = section.uncollapsibleWidgetsCount || 0;
      append(node, widgets.slice(0, keep));
      const rest = widgets.slice(keep);
      if (rest.length) {
        const details = el("details", { class: "collapsible", dataset: { key } },
          el("summary", {}, `Show ${rest.length} more`), rest);
        if (openDetails.has(key)) details.open = true;
        details.addEventListener("toggle", () => { if (details.open) openDetails.add(key); else openDetails.delete(key); });
        node.append(details);
      }
    } else {
      append(node, widgets);
    }
    return node;
  }

  function renderCard(cardWithId, key) {
    const card = cardWithId.card || {};
    const header = card.header;
    const node = el("div", { class: "card", dataset: { cardId: cardWithId.cardId || "" } });
    if (header) {
      node.append(el("div", { class: "card-header" },
        header.imageUrl ? el("img", { class: header.imageType === "CIRCLE" ? "circle" : "", src: header.imageUrl, alt: header.imageAltText || "" }) : null,
        el("div", {}, el("div", { class: "card-title" }, header.title || ""), header.subtitle ? el("div", { class: "label" }, header.subtitle) : null)));
    }
    const sections = card.sections || [];
    sections.forEach((section, index) => {
      if (index > 0 && card.sectionDividerStyle !== "NO_DIVIDER") node.append(el("hr", { class: "section-divider" }));
      node.append(renderSection(section, `${key || cardWithId.cardId}/${index}`));
    });
    if ((card.cardActions || []).length) {
      node.append(el("div", { class: "card-actions label" }, "Card actions: ", card.cardActions.map((a) => a.actionLabel).join(" · ")));
    }
    if (card.fixedFooter) {
      node.append(el("div", { class: "button-list footer" },
        card.fixedFooter.primaryButton ? button(card.fixedFooter.primaryButton) : null,
        card.fixedFooter.secondaryButton ? button(card.fixedFooter.secondaryButton) : null));
    }
    return node;
  }

  // ------------------------------------------------------------------ messages

  const DELETED = {
    CREATOR: "deleted by its author", SPACE_OWNER: "deleted by a space manager", ADMIN: "deleted by an administrator",
    APP_MESSAGE_EXPIRY: "deleted when it expired", CREATOR_VIA_APP: "deleted by its author, through an app",
    SPACE_OWNER_VIA_APP: "deleted by a space manager, through an app", SPACE_MEMBER: "deleted by a space member",
  };

  function personName(people, name) {
    const who = people[name];
    return who ? who.displayName : name || "someone";
  }

  function avatar(people, name, kind) {
    const label = personName(people, name);
    return el("div", { class: `avatar ${kind === "BOT" ? "app" : ""}`, title: label, "aria-hidden": "true" },
      Array.from(label.trim())[0] || "?");
  }

  function reactionPill(summary, message, context) {
    const emoji = summary.emoji || {};
    const uid = emoji.customEmoji && emoji.customEmoji.uid;
    const name = uid ? context.customEmojis[uid] || ":custom:" : emoji.unicode;
    const who = (message.reactionsBy || [])
      .filter((r) => (uid ? r.customEmoji === uid : r.emoji === emoji.unicode))
      .map((r) => personName(context.people, r.user));
    return el("span", { class: "reaction", title: `${name} by ${who.join(", ") || "someone"}` },
      uid ? el("img", { class: "custom-emoji", src: `/_emulator/emoji/${encodeURIComponent(uid)}`, alt: name }) : el("span", { class: "emoji" }, emoji.unicode),
      el("span", { class: "reaction-count" }, String(summary.reactionCount || 0)));
  }

  function attachmentChip(attachment, context) {
    const resource = attachment.attachmentDataRef && attachment.attachmentDataRef.resourceName;
    const label = [el("span", { class: "file-icon" }, "📎"), el("span", { class: "file-name" }, attachment.contentName || "file"),
      el("span", { class: "label" }, ` ${attachment.contentType || ""}`)];
    if (resource && context.mediaDownloads) {
      return el("a", { class: "attachment", href: `/_emulator/media/${encodeURIComponent(resource)}`, download: attachment.contentName || "attachment" }, label);
    }
    const title = attachment.driveDataRef ? `Drive file ${attachment.driveDataRef.driveFileId}` : "the emulator keeps no bytes for this file";
    return el("span", { class: "attachment", title }, label);
  }

  function quoted(message, context) {
    const meta = message.quotedMessageMetadata;
    if (!meta) return null;
    const original = context.byName[meta.name];
    return el("blockquote", { class: "quoted", title: meta.name },
      el("div", { class: "label" }, original ? personName(context.people, original.sender && original.sender.name) : "Quoted message"),
      original ? (original.text || "(no text)") : meta.name);
  }

  function renderMessage(message, context) {
    const sender = message.sender || {};
    const isApp = sender.type === "BOT";
    const deleted = !!message.deleteTime;
    const edited = !deleted && message.lastUpdateTime;
    const mentions = (message.annotations || [])
      .filter((a) => a.type === "USER_MENTION" && a.userMention)
      .map((a) => ({ start: a.startIndex || 0, length: a.length || 0, user: a.userMention.user && a.userMention.user.name }));
    const head = el("div", { class: "message-head" },
      el("span", { class: "sender" }, personName(context.people, sender.name)),
      isApp ? el("span", { class: "badge app" }, "App") : null,
      el("time", { datetime: message.createTime, title: message.createTime }, time(message.createTime)),
      edited ? el("span", { class: "edited", title: `edited ${message.lastUpdateTime}` }, "(edited)") : null,
      message.privateMessageViewer ? el("span", { class: "badge private" }, `Only visible to ${personName(context.people, message.privateMessageViewer.name)}`) : null);
    const body = el("div", { class: "message-body" });
    if (deleted) {
      const reason = message.deletionMetadata && message.deletionMetadata.deletionType;
      body.append(el("div", { class: "deleted" }, `Message ${DELETED[reason] || "deleted"}`));
    } else {
      append(body, [quoted(message, context)]);
      if (message.text) body.append(el("div", { class: "text" }, formatText(message.text, mentions, context.people)));
      (message.cardsV2 || []).forEach((card, index) => body.append(renderCard(card, `${message.name}/${index}`)));
      if ((message.accessoryWidgets || []).length) {
        body.append(el("div", { class: "accessory" }, message.accessoryWidgets.map((w) => (w.buttonList ? buttonList(w.buttonList) : renderWidget(w)))));
      }
      if ((message.attachment || []).length) body.append(el("div", { class: "attachments" }, message.attachment.map((a) => attachmentChip(a, context))));
      if ((message.emojiReactionSummaries || []).length) {
        body.append(el("div", { class: "reactions" }, message.emojiReactionSummaries.map((s) => reactionPill(s, message, context))));
      }
    }
    return el("article", { class: `message${deleted ? " is-deleted" : ""}${edited ? " is-edited" : ""}${message.threadReply ? " reply" : ""}`, dataset: { message: message.name } },
      avatar(context.people, sender.name, sender.type), el("div", { class: "message-main" }, head, body));
  }

  function renderThread(thread, context) {
    const [first, ...replies] = thread.messages;
    const node = el("section", { class: "thread", dataset: { thread: thread.name } }, renderMessage(first, context));
    if (replies.length) {
      node.append(el("div", { class: "replies" },
        el("div", { class: "reply-count" }, `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`),
        replies.map((m) => renderMessage(m, context))));
    }
    return node;
  }

  // ------------------------------------------------------------------ the page

  const SPACE_TYPES = { SPACE: "Space", GROUP_CHAT: "Group chat", DIRECT_MESSAGE: "Direct message" };
  const ROLES = { ROLE_MANAGER: "manager", ROLE_MEMBER: "member", MEMBERSHIP_ROLE_UNSPECIFIED: "" };
  const openDetails = new Set();
  const state = { overview: null, overviewText: "", messagesText: "", selected: null, callSeq: null, failures: 0 };

  function spaceTitle(space, people) {
    if (space.displayName) return space.displayName;
    const names = space.members.filter((m) => m.kind !== "GROUP").map((m) => personName(people, m.member));
    return names.join(", ") || space.name;
  }

  function selectedSpace() {
    const match = /^#\/?(spaces\/[^/?]+)/.exec(window.location.hash);
    if (match) return match[1];
    const spaces = state.overview ? state.overview.spaces : [];
    const first = spaces.find((s) => s.messageCount > 0) || spaces[0];
    return first ? first.name : null;
  }

  function renderClock(data) {
    const clock = document.getElementById("clock");
    replace(clock, el("span", { class: "clock-time" }, data.clock.now.replace("T", " ").replace(/\.\d+Z$/, "Z")),
      el("span", { class: `badge ${data.clock.frozen ? "frozen" : "running"}` }, data.clock.frozen ? "frozen" : "running"),
      el("span", { class: "label" }, "UTC"));
  }

  function renderOverview(data) {
    const people = data.people;
    const controls = document.getElementById("clock-controls");
    if (data.control && !controls.childElementCount) {
      controls.hidden = false;
      for (const [label, seconds] of [["+1 min", 60], ["+1 h", 3600], ["+1 day", 86400]]) {
        controls.append(el("button", { type: "button", class: "btn outlined", title: `AdvanceClock ${seconds}s (control service)`, on: { click: () => advance(seconds) } }, label));
      }
    }
    controls.hidden = !data.control;

    const selected = state.selected;
    const list = document.getElementById("space-list");
    replace(list, ...data.spaces.map((space) => el("li", {},
      el("a", { class: `space-item${space.name === selected ? " selected" : ""}`, href: `#/${space.name}`, dataset: { space: space.name } },
        el("span", { class: "space-name" }, spaceTitle(space, people)),
        el("span", { class: "space-meta" }, `${SPACE_TYPES[space.type] || space.type} · ${space.memberCount} member${space.memberCount === 1 ? "" : "s"}`)))));

    const space = data.spaces.find((s) => s.name === selected);
    const header = document.getElementById("space-header");
    if (space) {
      replace(header,
        el("div", { class: "space-title" }, el("h1", {}, spaceTitle(space, people)), el("span", { class: "badge" }, SPACE_TYPES[space.type] || space.type),
          space.externalUserAllowed ? el("span", { class: "badge" }, "external users allowed") : null,
          space.importMode ? el("span", { class: "badge" }, "import mode") : null,
          el("span", { class: "label" }, ` ${space.name}`)),
        space.description ? el("div", { class: "label" }, space.description) : null,
        el("ul", { class: "members" }, space.members.map((m) => el("li", { class: `member ${m.state.toLowerCase()}`, dataset: { member: m.member }, title: m.member },
          personName(people, m.member),
          m.kind === "BOT" ? el("span", { class: "badge app" }, "App") : m.kind === "GROUP" ? el("span", { class: "badge" }, "Group") : null,
          ROLES[m.role] ? el("span", { class: `role ${m.role === "ROLE_MANAGER" ? "manager" : ""}` }, ROLES[m.role]) : null,
          m.state === "INVITED" ? el("span", { class: "role invited" }, "invited") : null))));
    } else {
      replace(header);
    }

    document.getElementById("journal-count").textContent =
      `${data.journal.total} call${data.journal.total === 1 ? "" : "s"}${data.journal.dropped ? `, ${data.journal.dropped} dropped` : ""}`;
    replace(document.getElementById("journal-rows"), ...data.journal.calls.map((call) =>
      el("tr", { class: `journal-row${call.code === "OK" ? "" : " failed"}${call.seq === state.callSeq ? " selected" : ""}`, dataset: { seq: call.seq }, title: call.details || "", on: { click: () => showCall(call.seq) } },
        el("td", { class: "mono" }, time(call.time, true)),
        el("td", {}, el("span", { class: `face ${call.face}` }, call.face)),
        el("td", { class: "rpc" }, call.method, call.fault ? el("span", { class: "badge fault", title: call.fault }, "fault") : null),
        el("td", { class: "caller", title: call.principal || "not authenticated" }, call.principal ? personName(people, call.principal) : "—"),
        el("td", { class: `status ${call.code === "OK" ? "ok" : "err"}` }, call.code),
        el("td", { class: "mono num" }, call.latencyMs.toFixed(1)))));
    if (!data.journal.calls.length) {
      document.getElementById("journal-rows").append(el("tr", {}, el("td", { colspan: 6, class: "empty" }, "No calls yet.")));
    }

    const pending = data.faults.pending || [];
    const fired = Object.entries(data.faults.fired || {});
    replace(document.getElementById("faults"),
      pending.length ? el("table", { class: "faults" }, el("tr", {}, el("th", {}, "rpc"), el("th", {}, "fault"), el("th", {}, "left")),
        pending.map((rule) => el("tr", { class: "fault-rule" }, el("td", {}, rule.rpc),
          el("td", {}, rule.kind === "fail" ? `fail ${rule.code}${rule.message ? ` “${rule.message}”` : ""}` : `delay ${rule.seconds}s`),
          el("td", {}, rule.left === null ? "every call" : String(rule.left))))) : el("p", { class: "empty" }, "No faults armed."),
      fired.length ? el("div", { class: "label" }, "Fired: ", fired.map(([rpc, list]) => `${rpc} ×${list.length}`).join(", ")) : null);
  }

  function renderMessages(data) {
    const pane = document.getElementById("messages");
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    const previous = pane.scrollTop;
    const byName = {};
    for (const thread of data.threads) for (const message of thread.messages) byName[message.name] = message;
    const context = { people: state.overview.people, customEmojis: data.customEmojis, mediaDownloads: data.mediaDownloads, byName };
    const nodes = data.threads.map((thread) => renderThread(thread, context));
    if (data.total > data.shown) nodes.unshift(el("p", { class: "empty" }, `The latest ${data.shown} of ${data.total} messages.`));
    if (!nodes.length) nodes.push(el("p", { class: "empty" }, "No messages yet."));
    replace(pane, ...nodes);
    pane.dataset.space = data.space.name;
    pane.scrollTop = atBottom ? pane.scrollHeight : previous;
  }

  async function getJson(path) {
    const response = await fetch(API + path, { cache: "no-store" });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.text();
  }

  async function refresh() {
    const overviewText = await getJson("overview");
    const overview = JSON.parse(overviewText);
    state.overview = overview;
    const selected = selectedSpace();
    const spaceChanged = selected !== state.selected;
    state.selected = selected;
    renderClock(overview);
    const steady = JSON.stringify({ ...overview, clock: overview.clock.frozen }); // a clock reading always differs
    if (steady !== state.overviewText || spaceChanged) {
      state.overviewText = steady;
      renderOverview(overview);
    }
    if (selected) {
      const text = await getJson(`spaces/${encodeURIComponent(selected.slice("spaces/".length))}/messages`);
      if (text !== state.messagesText || spaceChanged) {
        state.messagesText = text;
        renderMessages(JSON.parse(text));
      }
    }
  }

  async function loop() {
    const live = document.getElementById("live");
    try {
      await refresh();
      state.failures = 0;
      live.textContent = "● live";
      live.className = "live ok";
      document.body.dataset.ready = "true";
    } catch (error) {
      state.failures += 1;
      live.textContent = "● disconnected";
      live.className = "live down";
      live.title = String(error);
    }
    window.setTimeout(loop, POLL_MS);
  }

  async function showCall(seq) {
    state.callSeq = seq;
    for (const row of document.querySelectorAll(".journal-row")) row.classList.toggle("selected", Number(row.dataset.seq) === seq);
    const pane = document.getElementById("call-detail");
    pane.hidden = false;
    try {
      const call = JSON.parse(await getJson(`calls/${seq}`));
      replace(pane,
        el("div", { class: "call-title" }, `#${call.seq} ${call.method} · ${call.face} · ${call.code}`,
          el("button", { type: "button", class: "btn borderless close", title: "close", on: { click: () => { pane.hidden = true; state.callSeq = null; } } }, "×")),
        call.details ? el("div", { class: "label" }, call.details) : null,
        el("div", { class: "label" }, "request"),
        el("pre", { class: "json" }, JSON.stringify(call.request, null, 2)),
        el("div", { class: "label" }, "response"),
        el("pre", { class: "json response" }, call.response === null ? `(none: ${call.code})` : JSON.stringify(call.response, null, 2)),
        el("div", { class: "label" }, "caller, metadata (authorization redacted) and outcome"),
        el("pre", { class: "json" }, JSON.stringify({ principal: call.principal, metadata: call.metadata, code: call.code, details: call.details, latency_ms: call.latency_ms, fault: call.fault, time: call.time }, null, 2)));
    } catch (error) {
      replace(pane, el("p", { class: "empty" }, `Call #${seq} is no longer in the journal.`));
    }
  }

  async function advance(seconds) {
    const response = await fetch(`${API}control/AdvanceClock`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seconds }),
    });
    if (!response.ok) window.alert(`AdvanceClock failed: ${(await response.json()).error.message}`);
    state.overviewText = "";
  }

  window.addEventListener("hashchange", () => { state.messagesText = ""; refresh().catch(() => {}); });
  window.chatUi = { formatText, cardText, renderCard, renderWidget, renderMessage };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", loop);
  else loop();
})();
