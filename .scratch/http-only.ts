import { httpPhase } from '../bench/http-phase.ts';
const r = await httpPhase({ quick: true, redisUrl: undefined });
console.log(r.text.split('\n').slice(0, 12).join('\n'));
console.log('server vs same answer', r.ratio('server', 'fastJwtSameAnswer').toFixed(2), r.cpuRatio('server', 'fastJwtSameAnswer').toFixed(2));
console.log('same answer vs fastjwt', r.ratio('fastJwtSameAnswer', 'fastJwt').toFixed(2));
