// Node load hook: @actions/workflow-parser's dist imports its JSON schema without
// `with { type: 'json' }` (it is made for bundlers). Add the import attribute for .json URLs.
import { registerHooks } from 'node:module';

registerHooks({
  load(url, context, nextLoad) {
    if (url.endsWith('.json') && context.importAttributes?.type === undefined) {
      return nextLoad(url, {
        ...context,
        importAttributes: { ...context.importAttributes, type: 'json' },
        format: 'json',
      });
    }
    return nextLoad(url, context);
  },
});
