import { expect } from 'chai';
import { parseTemplate, TemplateError } from '../../../src/outputs/template/parseTemplate.js';
import { renderTemplate, type TemplateContext } from '../../../src/outputs/template/renderTemplate.js';
import { checkTemplate, compileTemplate } from '../../../src/outputs/template/templateContext.js';

const render = (source: string, context: TemplateContext, target: 'json' | 'url' | 'param' | 'header' = 'json') =>
  renderTemplate(parseTemplate(source), context, target);

function templateError(run: () => unknown): TemplateError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

/** Values no template must let break out of their context. */
const hostile = [
  'quote " inside',
  'back\\slash \\" and \\\\',
  'line\nbreak\r\nand\ttab',
  'template ${episode.id} and $JSON::a->b and $$',
  'unicode ✓ 漢字 😀 \u2028 \u0000',
  '","injected":true,"x":"',
  'a'.repeat(10_000) + '"',
  '&admin=1#frag/../?q=',
];

describe('output templates', () => {
  describe('Enodo syntax', () => {
    it('renders the forecast payload with ${?response.error,error} left out when there is no error', () => {
      const source = '{"forecast": ${response.forecast}, ${?response.error,error}}';
      const ok = render(source, { response: { forecast: [1.5, 2] } });
      expect(JSON.parse(ok)).to.deep.equal({ forecast: [1.5, 2] });
      const failed = render(source, { response: { forecast: null, error: 'no data "since" 14:00' } });
      expect(JSON.parse(failed)).to.deep.equal({ forecast: null, error: 'no data "since" 14:00' });
    });

    it('removes the comma before an omitted member that comes last, and after one that comes first', () => {
      expect(JSON.parse(render('{"a": 1, ${?x.y,z}}', {}))).to.deep.equal({ a: 1 });
      expect(JSON.parse(render('{${?x.y,z}, "a": 1}', {}))).to.deep.equal({ a: 1 });
      expect(JSON.parse(render('{${?x.y,z}, ${?x.w,v}, "a": 1}', { x: { w: 2 } }))).to.deep.equal({ v: 2, a: 1 });
    });

    it('renders the assetId param from the run meta, URL-encoded by the URL, never by the template', () => {
      const value = render('${run.meta.assetId}', { run: { meta: { assetId: 'A-1&b=2' } } }, 'param');
      const url = new URL('https://ticket.example.com/api/issues');
      url.searchParams.set('assetId', value);
      expect(url.searchParams.get('assetId')).to.equal('A-1&b=2');
      expect([...url.searchParams.keys()]).to.deep.equal(['assetId']);
    });

    it('renames with ${path,new_name} and builds objects with $JSON::', () => {
      expect(JSON.parse(render('{${model.name,series}}', { model: { name: 'pump' } }))).to.deep.equal({ series: 'pump' });
      const built = render('$JSON::episode.peakScore->peak::episode.missing?->gone::model.name', {
        episode: { peakScore: 3 },
        model: { name: 'm' },
      });
      expect(JSON.parse(built)).to.deep.equal({ peak: 3, name: 'm' });
    });

    it('reads $$ as a literal dollar and leaves other dollars alone', () => {
      expect(render('"$$${model.name} costs $5"', { model: { name: 'x' } })).to.equal('"$x costs $5"');
    });

    it('inserts values inside a JSON string as string content, outside as JSON values', () => {
      const out = render('{"text": "model ${model.name} peaked at ${episode.peak}", "peak": ${episode.peak}, "open": ${episode.open}}', {
        model: { name: 'p"1' },
        episode: { peak: 4.5, open: true },
      });
      expect(JSON.parse(out)).to.deep.equal({ text: 'model p"1 peaked at 4.5', peak: 4.5, open: true });
    });
  });

  describe('hostile values', () => {
    for (const value of hostile) {
      const label = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}… (${value.length} chars)` : value);
      it(`keep the JSON valid and the value intact: ${label}`, () => {
        const context = { model: { name: value, project: value }, episode: { topTags: [{ tag: value, share: 0.5 }] } };
        const source =
          '{"title": "Anomaly on ${model.project}/${model.name}", "tag": ${episode.topTags.0.tag}, ${model.name,renamed}, "o": $JSON::model.name->n::episode.topTags}';
        const parsed = JSON.parse(render(source, context)) as Record<string, unknown>;
        expect(parsed.title).to.equal(`Anomaly on ${value}/${value}`);
        expect(parsed.tag).to.equal(value);
        expect(parsed.renamed).to.equal(value);
        expect(parsed.o).to.deep.equal({ n: value, topTags: [{ tag: value, share: 0.5 }] });
        expect(Object.keys(parsed)).to.deep.equal(['title', 'tag', 'renamed', 'o']);
      });

      it(`stay inside their path segment or parameter in URLs: ${label}`, () => {
        const base = 'https://hooks.example.com/models/';
        const url = new URL(base + render('${model.name}/events', { model: { name: value } }, 'url'));
        expect(url.host).to.equal('hooks.example.com');
        expect(url.search).to.equal('');
        expect(url.hash).to.equal('');
        expect(decodeURIComponent(url.pathname.slice('/models/'.length, -'/events'.length))).to.equal(value);
      });
    }

    it('refuses a header value with a line break, naming the placeholder', () => {
      const err = templateError(() => render('Bearer ${model.name}', { model: { name: 'x\r\nX-Admin: 1' } }, 'header'));
      expect(err.message).to.contain('${model.name}').and.to.contain('line break');
      expect(render('Bearer ${model.name}', { model: { name: 'plain ✓' } }, 'header')).to.equal('Bearer plain ✓');
    });
  });

  describe('checks at save', () => {
    it('names the line and column of an unclosed placeholder', () => {
      const err = templateError(() => compileTemplate('{\n  "a": ${model.name\n}'));
      expect(err.line).to.equal(2);
      expect(err.column).to.equal(8);
      expect(err.message).to.match(/line 2, column 8/);
    });

    it('refuses unknown roots and fields with their position', () => {
      const err = templateError(() => compileTemplate('{"a": ${modle.name}}'));
      expect(err.position).to.equal(6);
      expect(err.message).to.contain('unknown path "modle.name"');
      expect(() => compileTemplate('${episode.peek}')).to.throw(TemplateError, /episode has id/);
      expect(() => compileTemplate('${run.meta.anything.goes}')).not.to.throw();
    });

    it('refuses a payload that cannot render valid JSON', () => {
      expect(() => checkTemplate('{"a": ${model.name}', 'json')).to.throw(TemplateError, /valid JSON/);
      expect(() => checkTemplate('{"a": ${model.name} ${model.project}}', 'json')).to.throw(TemplateError, /valid JSON/);
      expect(() => checkTemplate('{"a": ${model.name}}', 'json')).not.to.throw();
    });

    it('refuses bad names, empty paths and an optional value without a name', () => {
      expect(() => parseTemplate('${}')).to.throw(TemplateError, /empty path/);
      expect(() => parseTemplate('${a..b}')).to.throw(TemplateError, /not a path/);
      expect(() => parseTemplate('${a,1x}')).to.throw(TemplateError, /not a name/);
      expect(() => parseTemplate('${?a.b}')).to.throw(TemplateError, /needs a name/);
      expect(() => parseTemplate('$JSON::a->x::b->x')).to.throw(TemplateError, /twice/);
    });
  });
});
