/** Each §C.6 rule of getMobilePushContent on realistic Zulip-rendered HTML. */
import { getMobilePushContent, isSameServerMessageLink, pyStrip } from '../plain-text';

const quote = (inner: string) => `<blockquote>\n${inner}\n</blockquote>`;
const said = (href: string) =>
  `<p><span class="user-mention silent" data-user-id="7">Zoe</span> <a href="${href}">said</a>:</p>`;

describe('getMobilePushContent: emoji and images', () => {
  it('should turn a Unicode emoji span into its character and drop the :name: text', () => {
    const html = '<p>Ship it <span aria-label="rocket" class="emoji emoji-1f680" role="img" title="rocket">:rocket:</span>!</p>';
    expect(getMobilePushContent(html)).toBe('Ship it \u{1F680}!');
  });

  it('should join the code points of multi-code-point emoji (ZWJ sequences, keycaps)', () => {
    const html =
      '<p><span aria-label="woman shrugging" class="emoji emoji-1f937-200d-2640" role="img" title="woman shrugging">:woman_shrugging:</span> ' +
      '<span aria-label="hash" class="emoji emoji-0023-20e3" role="img" title="hash">:hash:</span></p>';
    expect(getMobilePushContent(html)).toBe('\u{1F937}\u200D\u2640 #\u20E3');
  });

  it('should use the alt text of custom emoji and other images, and nothing for an image without alt', () => {
    const html =
      '<p>Deployed <img alt=":green_tick:" class="emoji" src="/user_avatars/2/emoji/images/7.png" title="green tick"></p>\n' +
      '<div class="message_inline_image"><a href="/user_uploads/2/ab/shot.png" title="shot.png"><img src="/user_uploads/thumbnail/2/ab/shot.png/840x560.webp"></a></div>';
    expect(getMobilePushContent(html)).toBe('Deployed :green_tick:\n');
  });
});

describe('getMobilePushContent: ordered lists', () => {
  it('should number items from the start attribute', () => {
    expect(getMobilePushContent('<ol start="7">\n<li>seven</li>\n<li>eight</li>\n</ol>')).toBe('7. seven\n8. eight');
  });

  it('should indent nested lists two spaces per level on their own lines', () => {
    const html = '<ol>\n<li>one<ol>\n<li>one.a<ol start="5">\n<li>deep</li>\n</ol>\n</li>\n</ol>\n</li>\n<li>two</li>\n</ol>';
    expect(getMobilePushContent(html)).toBe('1. one\n  1. one.a\n    5. deep\n2. two');
  });

  it("should drop the list's own tail, as Zulip does", () => {
    expect(getMobilePushContent('<ol>\n<li>a</li>\n</ol>\n<p>after</p>')).toBe('1. aafter');
  });

  it('should leave unordered lists as plain lines', () => {
    expect(getMobilePushContent('<ul>\n<li>milk</li>\n<li>eggs</li>\n</ul>')).toBe('\nmilk\neggs\n');
  });
});

describe('getMobilePushContent: spoilers', () => {
  const spoiler = (header: string, content: string) =>
    `<div class="spoiler-block"><div class="spoiler-header">\n${header}\n</div><div class="spoiler-content" aria-hidden="true">\n${content}\n</div></div>`;

  it('should show the header followed by (…) and never the hidden content', () => {
    const html = `${spoiler('<p>Ending of <strong>the film</strong></p>', '<p>The butler did it.</p>')}\n<p>Thoughts?</p>`;
    const text = getMobilePushContent(html);
    expect(text).toBe('Ending of the film (\u2026)\nThoughts?');
    expect(text).not.toContain('butler');
  });

  it('should show only (…) for a spoiler without header', () => {
    expect(getMobilePushContent(spoiler('', '<p>secret</p>'))).toBe('(\u2026)\n');
  });
});

describe('getMobilePushContent: blockquotes', () => {
  it('should prefix every non-empty quoted line with "> " when the message is only a quote', () => {
    const html = quote('<p>first line<br>\nsecond line</p>\n<p>second paragraph</p>');
    expect(getMobilePushContent(html)).toBe('> first line\n> second line\n> second paragraph\n');
  });

  it('should prefix nested quotes once per enclosing quote', () => {
    const html = quote(`<p>outer</p>\n${quote('<p>inner</p>')}`);
    expect(getMobilePushContent(html)).toBe('> outer\n> > inner\n');
  });
});

describe('getMobilePushContent: collapsing quotes mixed with other content', () => {
  it('should collapse a quote after a reply to […]', () => {
    expect(getMobilePushContent(`${quote('<p>Lunch at noon?</p>')}\n<p>Yes, see you there</p>`)).toBe('[\u2026]Yes, see you there');
  });

  it('should collapse an "@user said:" paragraph and its quote into one […]', () => {
    const html = `${said('#narrow/channel/13-social/topic/party/near/103')}\n${quote('<p>How are you?</p>')}\n<p>Great</p>`;
    expect(getMobilePushContent(html)).toBe('[\u2026]\nGreat');
  });

  it('should recognise direct-message links in "said" paragraphs', () => {
    const html = `${said('#narrow/dm/9,15-dm/near/43')}\n${quote('<p>ping</p>')}\n<p>pong</p>`;
    expect(getMobilePushContent(html)).toBe('[\u2026]\npong');
  });

  it('should accept absolute said-links only on the external host', () => {
    const html = `${said('https://chat.example.org/#narrow/channel/13-social/topic/party/near/103')}\n${quote('<p>How are you?</p>')}\n<p>Great</p>`;
    expect(getMobilePushContent(html, { externalHost: 'chat.example.org:443' })).toBe('[\u2026]\nGreat');
    expect(getMobilePushContent(html, { externalHost: 'zulip.other.net' })).toBe('Zoe said:\n[\u2026]Great');
    expect(getMobilePushContent(html)).toBe('Zoe said:\n[\u2026]Great');
  });

  it('should move the single […] to the last run, as lxml does with Zulip\'s one collapse element', () => {
    const html = `${quote('<p>q1</p>')}\n<p>reply one</p>\n${quote('<p>q2</p>')}\n<p>reply two</p>`;
    expect(getMobilePushContent(html)).toBe('reply one\n[\u2026]reply two');
  });

  it('should not collapse when every top-level block is a quote', () => {
    expect(getMobilePushContent(`${quote('<p>a</p>')}\n${quote('<p>b</p>')}`)).toBe('> a\n\n> b\n');
  });
});

describe('getMobilePushContent: KaTeX', () => {
  const katex = (tex: string) =>
    `<span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><mi>x</mi></mrow>` +
    `<annotation encoding="application/x-tex">${tex}</annotation></semantics></math></span>` +
    `<span class="katex-html" aria-hidden="true"><span class="base"><span class="strut" style="height:0.4306em;"></span><span class="mord mathnormal">x</span></span></span></span>`;

  it('should replace inline math by $$<LaTeX>$$ and keep the text around it', () => {
    expect(getMobilePushContent(`<p>We know ${katex('x^2 &lt; 1')} here.</p>`)).toBe('We know $$x^2 < 1$$ here.');
  });

  it('should replace display math inside katex-display', () => {
    expect(getMobilePushContent(`<p><span class="katex-display">${katex('\\sum_{i=1}^n i')}</span></p>`)).toBe('$$\\sum_{i=1}^n i$$');
  });
});

describe('getMobilePushContent: everything else is text and tail', () => {
  it('should keep mentions, channel links, code and decoded entities', () => {
    const html =
      '<p><span class="user-group-mention" data-user-group-id="41">@backend</span> see ' +
      '<a class="stream-topic" data-stream-id="10" href="/#narrow/channel/10-Denmark/topic/deploys">#Denmark &gt; deploys</a>: ' +
      '<code>a &amp;&amp; b</code>&nbsp;&copy; &#x27;ok&#39; &bogus;</p>';
    expect(getMobilePushContent(html)).toBe("@backend see #Denmark > deploys: a && b\u00a0\u00a9 'ok' &bogus;");
  });
});

describe('helpers', () => {
  it('should strip like Python: \\x1c and \\x85 are whitespace, U+FEFF is not', () => {
    expect(pyStrip('\x1c\x85 a b \u3000')).toBe('a b');
    expect(pyStrip('\uFEFFa')).toBe('\uFEFFa');
  });

  it('should accept only narrow/{channel,dm}/…/near/<id> links on this server', () => {
    expect(isSameServerMessageLink('#narrow/channel/1-a/topic/b/near/9')).toBe(true);
    expect(isSameServerMessageLink('#narrow/channel/1-a/topic/b/with/9')).toBe(false);
    expect(isSameServerMessageLink('#narrow/search/x/y/near/9')).toBe(false);
    expect(isSameServerMessageLink('https://a.example/#narrow/dm/1,2-dm/near/3', 'A.example')).toBe(true);
    expect(isSameServerMessageLink('https://b.example/#narrow/dm/1,2-dm/near/3', 'a.example')).toBe(false);
  });
});
