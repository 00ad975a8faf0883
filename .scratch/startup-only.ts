import { startupPhase } from '../bench/startup.ts';
const r = await startupPhase(3);
console.log(r.table, r.notes);
