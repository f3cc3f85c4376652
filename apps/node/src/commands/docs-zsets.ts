/** COMMAND DOCS for the sorted set commands (docs.ts reads them; its compact argument form), Redis 7.0's texts. */

type ZsetDoc = readonly [summary: string, since: string, group: string, args: string];

const LIMIT = 'block:limit@LIMIT{optional}(integer:offset integer:count)';
const WITHSCORES = 'pure-token:withscores@WITHSCORES{optional}';
const WEIGHTS = 'integer:weight@WEIGHTS{optional,multiple}';
const AGGREGATE = 'oneof:aggregate@AGGREGATE{optional}(pure-token:sum@SUM pure-token:min@MIN pure-token:max@MAX)';

export const ZSET_DOCS: Record<string, ZsetDoc> = {
  ZADD: [
    'Add one or more members to a sorted set, or update its score if it already exists',
    '1.2.0',
    'sorted-set',
    'key:key oneof:condition{optional}(pure-token:nx@NX pure-token:xx@XX) oneof:comparison{optional}(pure-token:gt@GT pure-token:lt@LT) pure-token:change@CH{optional} pure-token:increment@INCR{optional} block:score_member{multiple}(double:score string:member)',
  ],
  ZINCRBY: ['Increment the score of a member in a sorted set', '1.2.0', 'sorted-set', 'key:key integer:increment string:member'],
  ZREM: ['Remove one or more members from a sorted set', '1.2.0', 'sorted-set', 'key:key string:member{multiple}'],
  ZCARD: ['Get the number of members in a sorted set', '1.2.0', 'sorted-set', 'key:key'],
  ZSCORE: ['Get the score associated with the given member in a sorted set', '1.2.0', 'sorted-set', 'key:key string:member'],
  ZMSCORE: ['Get the score associated with the given members in a sorted set', '6.2.0', 'sorted-set', 'key:key string:member{multiple}'],
  ZRANK: ['Determine the index of a member in a sorted set', '2.0.0', 'sorted-set', 'key:key string:member'],
  ZREVRANK: ['Determine the index of a member in a sorted set, with scores ordered from high to low', '2.0.0', 'sorted-set', 'key:key string:member'],
  ZCOUNT: ['Count the members in a sorted set with scores within the given values', '2.0.0', 'sorted-set', 'key:key double:min double:max'],
  ZLEXCOUNT: ['Count the number of members in a sorted set between a given lexicographical range', '2.8.9', 'sorted-set', 'key:key string:min string:max'],
  ZRANGE: [
    'Return a range of members in a sorted set',
    '1.2.0',
    'sorted-set',
    `key:key string:start string:stop oneof:sortby{optional}(pure-token:byscore@BYSCORE pure-token:bylex@BYLEX) pure-token:rev@REV{optional} ${LIMIT} ${WITHSCORES}`,
  ],
  ZREVRANGE: ['Return a range of members in a sorted set, by index, with scores ordered from high to low', '1.2.0', 'sorted-set', `key:key integer:start integer:stop ${WITHSCORES}`],
  ZRANGEBYSCORE: ['Return a range of members in a sorted set, by score', '1.0.5', 'sorted-set', `key:key double:min double:max ${WITHSCORES} ${LIMIT}`],
  ZREVRANGEBYSCORE: ['Return a range of members in a sorted set, by score, with scores ordered from high to low', '2.2.0', 'sorted-set', `key:key double:max double:min ${WITHSCORES} ${LIMIT}`],
  ZRANGEBYLEX: ['Return a range of members in a sorted set, by lexicographical range', '2.8.9', 'sorted-set', `key:key string:min string:max ${LIMIT}`],
  ZREVRANGEBYLEX: ['Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.', '2.8.9', 'sorted-set', `key:key string:max string:min ${LIMIT}`],
  ZPOPMIN: ['Remove and return members with the lowest scores in a sorted set', '5.0.0', 'sorted-set', 'key:key integer:count{optional}'],
  ZPOPMAX: ['Remove and return members with the highest scores in a sorted set', '5.0.0', 'sorted-set', 'key:key integer:count{optional}'],
  BZPOPMIN: ['Remove and return the member with the lowest score from one or more sorted sets, or block until one is available', '5.0.0', 'sorted-set', 'key:key{multiple} double:timeout'],
  BZPOPMAX: ['Remove and return the member with the highest score from one or more sorted sets, or block until one is available', '5.0.0', 'sorted-set', 'key:key{multiple} double:timeout'],
  BZMPOP: [
    'Remove and return members with scores in a sorted set or block until one is available',
    '7.0.0',
    'sorted-set',
    'double:timeout integer:numkeys key:key{multiple} oneof:where(pure-token:min@MIN pure-token:max@MAX) integer:count@COUNT{optional}',
  ],
  ZREMRANGEBYRANK: ['Remove all members in a sorted set within the given indexes', '2.0.0', 'sorted-set', 'key:key integer:start integer:stop'],
  ZREMRANGEBYSCORE: ['Remove all members in a sorted set within the given scores', '1.2.0', 'sorted-set', 'key:key double:min double:max'],
  ZREMRANGEBYLEX: ['Remove all members in a sorted set between the given lexicographical range', '2.8.9', 'sorted-set', 'key:key string:min string:max'],
  ZRANGESTORE: [
    'Store a range of members from sorted set into another key',
    '6.2.0',
    'sorted-set',
    `key:dst key:src string:min string:max oneof:sortby{optional}(pure-token:byscore@BYSCORE pure-token:bylex@BYLEX) pure-token:rev@REV{optional} ${LIMIT}`,
  ],
  ZMPOP: ['Remove and return members with scores in a sorted set', '7.0.0', 'sorted-set', 'integer:numkeys key:key{multiple} oneof:where(pure-token:min@MIN pure-token:max@MAX) integer:count@COUNT{optional}'],
  ZRANDMEMBER: ['Get one or multiple random elements from a sorted set', '6.2.0', 'sorted-set', 'key:key block:options{optional}(integer:count pure-token:withscores@WITHSCORES{optional})'],
  ZUNION: ['Add multiple sorted sets', '6.2.0', 'sorted-set', `integer:numkeys key:key{multiple} ${WEIGHTS} ${AGGREGATE} ${WITHSCORES}`],
  ZINTER: ['Intersect multiple sorted sets', '6.2.0', 'sorted-set', `integer:numkeys key:key{multiple} ${WEIGHTS} ${AGGREGATE} ${WITHSCORES}`],
  ZDIFF: ['Subtract multiple sorted sets', '6.2.0', 'sorted-set', `integer:numkeys key:key{multiple} ${WITHSCORES}`],
  ZINTERCARD: ['Intersect multiple sorted sets and return the cardinality of the result', '7.0.0', 'sorted-set', 'integer:numkeys key:key{multiple} integer:limit@LIMIT{optional}'],
  ZUNIONSTORE: ['Add multiple sorted sets and store the resulting sorted set in a new key', '2.0.0', 'sorted-set', `key:destination integer:numkeys key:key{multiple} ${WEIGHTS} ${AGGREGATE}`],
  ZINTERSTORE: ['Intersect multiple sorted sets and store the resulting sorted set in a new key', '2.0.0', 'sorted-set', `key:destination integer:numkeys key:key{multiple} ${WEIGHTS} ${AGGREGATE}`],
  ZDIFFSTORE: ['Subtract multiple sorted sets and store the resulting sorted set in a new key', '6.2.0', 'sorted-set', 'key:destination integer:numkeys key:key{multiple}'],
  ZSCAN: ['Incrementally iterate sorted sets elements and associated scores', '2.8.0', 'sorted-set', 'key:key integer:cursor pattern:pattern@MATCH{optional} integer:count@COUNT{optional}'],
};
