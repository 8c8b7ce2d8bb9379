/**
 * The dependency rules of STYLE.md ("The shape"), checked by `npm run lint` before every `npm test`.
 *
 * Dependencies point one way: domain and runtime at the bottom, contracts on domain, then the
 * scheduler, the executor and the providers on those, then composition, then cli. Only
 * src/composition knows the providers. test/ and bench/ may import anything and are not cruised.

 */

/**
 * What a provider may use from src/: the library surface that src/index.ts publishes, and src/persistence/sql/
 * (SqlClient: the one SQL path on SQLite and PostgreSQL, shared by the core's window ledger and the
 * providers that keep their data in the service's own database), and src/gordo/ (Gordo's formats: pandas
 * frequencies, row filters, tag lists), read the same way by every provider that talks to Gordo.
 */
const PROVIDER_SURFACE =
  '^src/(contracts|domain|runtime|credentials|provider|gordo|models)/|^src/config/schema\\.ts$|^src/persistence/Database\\.ts$|^src/persistence/sql/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'providers-load-lazily',
      severity: 'error',
      comment:
        'src/ imports the backends only with import(): every process would otherwise load every client library ' +
        '(together ~120 MB of RSS) whatever its configuration names. See src/composition/registry.ts.',
      from: { path: '^src/' },
      to: { path: '^providers/', dynamic: false, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-is-the-root',
      severity: 'error',
      comment: 'src/domain is plain data and pure functions: it imports nothing from src/, providers/ or migrations/ outside src/domain.',
      from: { path: '^src/domain/' },
      to: { path: '^(src|providers|migrations)/', pathNot: '^src/domain/' },
    },
    {
      name: 'contracts-import-only-domain',
      severity: 'error',
      comment: 'src/contracts holds interfaces, tokens and their data types: it imports only src/contracts and src/domain.',
      from: { path: '^src/contracts/' },
      to: { path: '^(src|providers|migrations)/', pathNot: '^src/(contracts|domain)/' },
    },
    {
      name: 'runtime-is-a-leaf',
      severity: 'error',
      comment: 'src/runtime (errors, logger, clock, retry, shutdown) is imported by every layer, so it imports only itself.',
      from: { path: '^src/runtime/' },
      to: { path: '^(src|providers|migrations)/', pathNot: '^src/runtime/' },
    },
    {
      name: 'gordo-formats-import-only-core',
      severity: 'error',
      comment:
        'src/gordo (Gordo formats shared by the providers that talk to Gordo) is pure reading code: it imports only domain and runtime.',
      from: { path: '^src/gordo/' },
      to: { path: '^(src|providers|migrations)/', pathNot: '^src/(gordo|domain|runtime)/' },
    },
    {
      name: 'config-reads-only-config',
      severity: 'error',
      comment:
        'src/config turns YAML and the environment into typed options; it knows contracts, runtime and the provider definitions ' +
        '(src/provider: parseConfig, leaseSettings), not the parts it configures. ' +
        'It also reads src/domain/limits.ts: the name lengths the database holds, checked at config load as at message decode; ' +
        'and src/domain/modelKinds (executor.pools names model kinds).',
      from: { path: '^src/config/' },
      to: {
        path: '^(src|providers|migrations)/',
        pathNot: '^src/(config|contracts|runtime|provider)/|^src/domain/limits\\.ts$|^src/domain/modelKinds/',
      },
    },
    {
      name: 'credentials-import-only-core',
      severity: 'error',
      comment: 'src/credentials (bearer tokens shared by HTTP providers) imports only contracts, runtime and the config parsing helpers.',
      from: { path: '^src/credentials/' },
      to: { path: '^(src|providers|migrations)/', pathNot: '^src/(credentials|contracts|runtime)/|^src/config/schema\\.ts$' },
    },
    {
      name: 'providers-import-only-the-library-surface',
      severity: 'error',
      comment:
        'A provider imports from src/ only contracts, domain, runtime, credentials, provider (defineProvider and its deps) and what ' +
        'src/index.ts publishes for providers (config/schema.ts parsing helpers, persistence/Database.ts), persistence/sql/ (SqlClient) ' +
        'and gordo/ (Gordo formats).',
      from: { path: '^providers/' },
      to: { path: '^(src|migrations)/', pathNot: PROVIDER_SURFACE },
    },
    {
      name: 'no-provider-imports-another',
      severity: 'error',
      comment:
        'Providers are independent: a file in providers/<name>/ (subfolders included) imports nothing from another providers/<other>/.',
      from: { path: '^providers/([^/]+)/' },
      to: { path: '^providers/', pathNot: '^providers/$1/' },
    },
    {
      name: 'demo-plant-writes-through-contracts',
      severity: 'error',
      comment:
        'src/demo (the demo plant the CLI seeds and feeds) is tooling, not a provider: it writes sensors and models through ' +
        'the SensorWriter/ModelWriter contracts and keeps its fault table through SqlClient, so it works whichever store serves them. ' +
        "Its detection summary scores with the evaluation module's scoreFlags, the code `latigo evaluate` uses.",
      from: { path: '^src/demo/' },
      to: {
        path: '^(src|providers|migrations)/',
        pathNot:
          '^src/(demo|contracts|domain|runtime)/|^src/evaluation/scoreFlags\\.ts$|^src/persistence/Database\\.ts$|^src/persistence/sql/',
      },
    },
    {
      name: 'only-composition-imports-providers',
      severity: 'error',
      comment: 'Only src/composition knows the providers; everything else in src/ (and migrations/) goes through contracts.',
      from: { path: '^(src|migrations)/', pathNot: '^src/composition/' },
      to: { path: '^providers/' },
    },
    {
      name: 'scheduler-imports-only-core',
      severity: 'error',
      comment:
        'src/scheduler imports only contracts, domain, runtime, src/ledger (the scheduler owns the windows), ' +
        'src/config/startTime.ts (how start_time is read) and, as types only, src/config/sections.ts.',
      from: { path: '^src/scheduler/' },
      to: {
        path: '^(src|migrations)/',
        pathNot: '^src/(scheduler|contracts|domain|runtime|ledger)/|^src/config/(sections|startTime)\\.ts$',
      },
    },
    {
      name: 'executor-imports-only-core',
      severity: 'error',
      comment: 'src/executor imports only contracts, domain, runtime and, as types only, src/config/sections.ts.',
      // src/ledger is left to executor-not-to-ledger, which says why.
      from: { path: '^src/executor/' },
      to: { path: '^(src|migrations)/', pathNot: '^src/(executor|contracts|domain|runtime|ledger)/|^src/config/sections\\.ts$' },
    },
    {
      name: 'executor-not-to-ledger',
      severity: 'error',
      comment: 'The executor must not import src/ledger: it depends on its own narrow ExecutorLedger interface, wired in src/composition.',
      from: { path: '^src/executor/' },
      to: { path: '^src/ledger/' },
    },
    {
      name: 'config-sections-as-types-only',
      severity: 'error',
      comment: 'The scheduler and the executor may use src/config/sections.ts for its types only (import type), not its schemas.',
      from: { path: '^src/(scheduler|executor)/' },
      to: { path: '^src/config/sections\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'observability-imports-only-core',
      severity: 'error',
      comment:
        "src/observability (metrics, the health/readiness/metrics HTTP endpoint) knows runtime and, as types only, the executor's and scheduler's observer interfaces; the CLI wires it to the rest.",
      from: { path: '^src/observability/' },
      to: {
        path: '^(src|providers|migrations)/',
        pathNot: '^src/(observability|runtime)/|^src/executor/ExecutorObserver\\.ts$|^src/scheduler/(SchedulerObserver|Scheduler)\\.ts$',
      },
    },
    {
      name: 'provider-sdk-imports-only-the-surface',
      severity: 'error',
      comment:
        'src/provider (defineProvider, ProviderDeps, ProviderMigration) is what provider authors write against: it names ' +
        'contracts, runtime, credentials and the Database type, never the container or the composition root.',
      from: { path: '^src/provider/' },
      to: {
        path: '^(src|providers|migrations)/',
        pathNot: '^src/(provider|contracts|domain|runtime|credentials)/|^src/persistence/Database\\.ts$',
      },
    },
    {
      name: 'providers-no-container-no-orm',
      severity: 'error',
      comment:
        'Providers are written against defineProvider and its named deps: they import neither the container (inversify) nor ' +
        'the ORM (typeorm); the composition root binds them, and SqlClient is their one SQL path.',
      from: { path: '^providers/' },
      to: { path: '(^|/)node_modules/(inversify|@inversifyjs|typeorm)/' },
    },
    {
      name: 'public-api-exposes-no-orm',
      severity: 'error',
      comment:
        'What src/index.ts publishes (and everything it reaches) names no TypeORM type: the Database type is the facade ' +
        'src/persistence/Database.ts; only the core (persistence/dataSource.ts, migrate.ts) knows TypeORM.',
      from: { path: '^src/index\\.ts$' },
      to: { path: '(^|/)node_modules/typeorm/', reachable: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import must resolve; an unresolved one would slip past the rules above.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
