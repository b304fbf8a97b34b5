import { runAction } from '../lib/action.ts';
import { run } from './run.ts';

await runAction(run);
