import { runAction } from '../lib/action.ts';
import { post, run } from './run.ts';

await runAction(run, post);
