// French reference payslips from URSSAF's own rules: modele-social evaluated with publicodes.
//
//   node generate.mjs [--out PATH] [--months 1,6] [--check]
//
// Writes tests/plugins/fr/refdata/urssaf_2026.json (see README.md beside this file for the
// grid, the fixed situation and every field). Dev-only: coopnode never imports this, and the
// test suite reads the committed fixture without node.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'

import rules from 'modele-social'
import Engine, { serializeUnit } from 'publicodes'

const HERE = dirname(fileURLToPath(import.meta.url))
const DEFAULT_OUT = resolve(HERE, '../../../tests/plugins/fr/refdata/urssaf_2026.json')
const YEAR = 2026

// -- the grid ---------------------------------------------------------------------------------

const CATEGORIES = ['non_cadre', 'cadre']
const HEADCOUNTS = [5, 20, 60, 300]
const AT_RATES = ['0.70', '1.30', '2.50'] // percent, as coopnode's at_rate param
// Months evaluated on the full cross product: January (the 2026 law) and June (the SMIC rises
// from 12.02 to 12.31 €/h in the rules). Other months: every gross, category and headcount,
// with one AT/MP rate per headcount, rotating with the month.
const FULL_MONTHS = new Set([1, 6])

// Gross points, in cents, from the month's SMIC (unrounded monthly amount) and PSS. Exactly
// 3 SMIC is left out on purpose: whether it is "< 3 SMIC" depends on how the SMIC's thirds of a
// cent are carried (binary float here), which is not law; ±1 cent around it is tested instead.
function grossPoints(smic, pss) {
  return [
    ['smic', smic],
    ['1.2smic', 1.2 * smic],
    ['1.4smic', 1.4 * smic],
    ['1.6smic', 1.6 * smic],
    ['2smic', 2 * smic],
    ['2200', 2200],
    ['3000', 3000],
    ['pss', pss],
    ['2.5smic', 2.5 * smic],
    ['5000', 5000],
    ['3smic-1c', 3 * smic - 0.01],
    ['3smic+1c', 3 * smic + 0.01],
    ['3.5smic', 3.5 * smic],
    ['2pss', 2 * pss],
    ['10000', 10000],
    ['3pss', 3 * pss],
    ['4pss', 4 * pss],
  ].map(([point, amount]) => [point, cents(amount)])
}

// -- rule names -------------------------------------------------------------------------------

const R = 'salarié . cotisations . '
const INPUT_RULES = {
  date: 'date',
  gross: 'salarié . contrat . salaire brut',
  category: 'salarié . contrat . statut cadre',
  headcount: 'entreprise . salariés . effectif',
  at_rate: 'établissement . taux ATMP',
}
// Held fixed for every case (publicodes values).
const FIXED_SITUATION = {
  dirigeant: 'non', // the rules default to "oui", which disables the salaried tax branch
  'salarié . contrat': "'CDI'",
  'salarié . contrat . temps de travail . temps partiel': 'non', // 35 h/week full time
  'établissement . commune . taux versement mobilité': '0 %', // no transport levy
  'salarié . cotisations . prévoyances . santé . montant': '0 €/mois', // no mutuelle (default 40 €/month, 50 % employer)
  'impôt . méthode de calcul': "'taux neutre'",
}
const GROSS_RULE = 'salarié . rémunération . brut' // checked equal to the input
const OUTPUT_RULES = {
  net_before_tax: 'salarié . rémunération . net . à payer avant impôt',
  employer_cost: 'salarié . coût total employeur',
  employee_contributions: 'salarié . cotisations . salarié',
  employer_contributions: 'salarié . cotisations . employeur',
  net_taxable: 'salarié . rémunération . net . imposable',
  pas: 'impôt . montant',
  net_after_tax: 'salarié . rémunération . net . payé après impôt',
  rgdu: R + 'exonérations . RGDU',
}
const RATE_RULES = {
  pas_rate: "impôt . taux d'imposition", // %
  rgdu_coefficient: R + 'exonérations . RGDU . coefficient', // rounded to 4 decimals by the rules
}
const CHECK_RULES = {
  employer_reductions: R + 'exonérations . employeur',
  employee_reductions: R + 'exonérations . salarié',
}
const MONTH_RULES = {
  smic: 'SMIC',
  smic_hourly: 'SMIC . horaire',
  pss: 'plafond sécurité sociale',
}

// Every contribution line the rules compute for a salaried employee: a short key (used in the
// fixture), a title, and the rules of the employee and employer parts (null where the line has
// no such part; "-" marks a reduction, recorded negative).
const LINES = [
  ['maladie', 'maladie, maternité, invalidité, décès', R + 'maladie . salarié', R + 'maladie . employeur'],
  ['sante', 'complémentaire santé (mutuelle)', R + 'prévoyances . santé . salarié', R + 'prévoyances . santé . employeur'],
  ['prevoyance_cadres', 'prévoyance obligatoire des cadres (1,50 % T1)', null, R + 'prévoyances . employeur . cadres'],
  ['prevoyance_conventionnelle', 'prévoyance conventionnelle', R + 'prévoyances . conventionnelle . salarié', R + 'prévoyances . conventionnelle . employeur'],
  ['atmp', 'accidents du travail et maladies professionnelles', null, R + 'ATMP'],
  ['vieillesse_plafonnee', 'vieillesse plafonnée', R + 'vieillesse . salarié . plafonnée', R + 'vieillesse . employeur . plafonnée'],
  ['vieillesse_deplafonnee', 'vieillesse déplafonnée', R + 'vieillesse . salarié . déplafonnée', R + 'vieillesse . employeur . déplafonnée'],
  ['retraite_complementaire', 'retraite complémentaire Agirc-Arrco (T1 et T2)', R + 'retraite complémentaire . salarié', R + 'retraite complémentaire . employeur'],
  ['ceg', "contribution d'équilibre général (T1 et T2)", R + 'CEG . salarié', R + 'CEG . employeur'],
  ['cet', "contribution d'équilibre technique", R + 'CET . salarié', R + 'CET . employeur'],
  ['apec', 'Apec (cadres)', R + 'APEC . salarié', R + 'APEC . employeur'],
  ['allocations_familiales', 'allocations familiales', null, R + 'allocations familiales'],
  ['chomage', 'assurance chômage', null, R + 'chômage'],
  ['ags', 'AGS (garantie des salaires)', null, R + 'AGS'],
  ['csg_deductible', 'CSG déductible', R + 'CSG-CRDS . CSG . déductible', null],
  ['csg_non_deductible', 'CSG non déductible', R + 'CSG-CRDS . CSG . non déductible . revenus imposables', null],
  ['crds', 'CRDS', R + 'CSG-CRDS . CRDS', null],
  ['csg_crds_non_imposable', 'CSG-CRDS sur heures supplémentaires défiscalisées', R + 'CSG-CRDS . sur revenus non imposables', null],
  ['fnal', 'FNAL', null, R + 'FNAL'],
  ['csa', 'contribution solidarité autonomie', null, R + 'CSA'],
  ['versement_mobilite', 'versement mobilité', null, R + 'versement mobilité'],
  ['forfait_social', 'forfait social (sur la prévoyance employeur)', null, R + 'forfait social'],
  ['taxe_apprentissage', "taxe d'apprentissage (part principale)", null, R + "taxe d'apprentissage . base"],
  ['taxe_apprentissage_solde', "solde de la taxe d'apprentissage", null, R + "taxe d'apprentissage . solde"],
  ['contribution_supplementaire_apprentissage', "contribution supplémentaire à l'apprentissage", null, R + "taxe d'apprentissage . contribution supplémentaire"],
  ['formation_professionnelle', 'contribution à la formation professionnelle', null, R + 'formation professionnelle'],
  ['cpf_cdd', 'contribution CPF des CDD', null, R + 'CPF CDD'],
  ['peec', "participation à l'effort de construction", null, R + 'PEEC'],
  ['dialogue_social', 'contribution au dialogue social', null, R + 'contribution au dialogue social'],
  ['rgdu', 'réduction générale dégressive unique', null, '-' + R + 'exonérations . RGDU'],
]

// -- evaluation -------------------------------------------------------------------------------

const quiet = { log() {}, warn() {}, error: (message) => console.error(message) }
const engine = new Engine(rules, { logger: quiet })

// Amounts come in €/mois; a rule kept per year (impôt . montant: €/an, rounded to the euro by the
// rules) is divided by 12. Rules are evaluated by name (cached per situation) rather than as
// unit-converting expressions, which publicodes would parse anew each time.
const PER_MONTH = { '€/mois': 1, '€/an': 1 / 12 }

function value(rule, amount = true) {
  const negate = rule.startsWith('-')
  const name = negate ? rule.slice(1) : rule
  const node = engine.evaluate(name)
  const raw = node.nodeValue
  if (raw === null || raw === undefined || raw === false) return 0
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    throw new Error(`${name}: not a number (${JSON.stringify(raw)})`)
  }
  let factor = 1
  if (amount) {
    const unit = node.unit ? serializeUnit(node.unit) : '€/mois'
    factor = PER_MONTH[unit]
    if (factor === undefined) throw new Error(`${name}: unexpected unit ${unit}`)
  }
  return (negate ? -raw : raw) * factor
}

function situation(month, extra = {}) {
  return { date: `01/${String(month).padStart(2, '0')}/${YEAR}`, ...FIXED_SITUATION, ...extra }
}

const round4 = (x) => Math.round(x * 1e4) / 1e4 + 0 // + 0 turns -0 into 0
function cents(x) {
  return Math.round(x * 100 + 1e-7) / 100 // half up, on amounts that are never negative
}

function monthFacts(month) {
  engine.setSituation(situation(month))
  return {
    smic: value(MONTH_RULES.smic),
    smic_hourly: value(MONTH_RULES.smic_hourly, false),
    pss: value(MONTH_RULES.pss),
  }
}

function evaluateCase(month, gross, category, headcount, atRate) {
  engine.setSituation(
    situation(month, {
      [INPUT_RULES.gross]: `${gross.toFixed(2)} €/mois`,
      [INPUT_RULES.category]: category === 'cadre' ? 'oui' : 'non',
      [INPUT_RULES.headcount]: `${headcount} employé`,
      [INPUT_RULES.at_rate]: `${atRate} %`,
    }),
  )
  const out = {}
  for (const [field, rule] of Object.entries(OUTPUT_RULES)) out[field] = value(rule)
  for (const [field, rule] of Object.entries(RATE_RULES)) out[field] = value(rule, false)
  const lines = {}
  let employee = 0
  let employer = 0
  for (const [key, , employeeRule, employerRule] of LINES) {
    const ee = employeeRule ? value(employeeRule) : 0
    const er = employerRule ? value(employerRule) : 0
    employee += ee
    employer += er
    if (round4(ee) !== 0 || round4(er) !== 0) lines[key] = [round4(ee), round4(er)]
  }
  // The lines must be the whole of the totals, and the totals must be what coopnode's Payslip
  // says they are; anything else means a rule changed and LINES must be reviewed.
  const checks = [
    ['gross', value(GROSS_RULE), gross],
    ['employee lines', employee, out.employee_contributions],
    ['employer lines', employer, out.employer_contributions],
    ['net before tax', out.net_before_tax, gross - out.employee_contributions],
    ['employer cost', out.employer_cost, gross + out.employer_contributions],
    ['net after tax', out.net_after_tax, out.net_before_tax - out.pas],
    ['other employer reductions', value(CHECK_RULES.employer_reductions), out.rgdu],
    ['employee reductions', value(CHECK_RULES.employee_reductions), 0],
  ]
  for (const [what, got, want] of checks) {
    if (Math.abs(got - want) > 1e-6) {
      throw new Error(`${month}/${gross}/${category}/${headcount}/${atRate}: ${what} ${got} ≠ ${want}`)
    }
  }
  const result = {}
  for (const [field, x] of Object.entries(out)) result[field] = round4(x)
  result.lines = lines
  return result
}

function defaultsReliedOn(month) {
  // The questions the rules answered with their own default in a typical case: documents what
  // the reference assumes beyond the fixed situation.
  engine.setSituation(
    situation(month, {
      [INPUT_RULES.gross]: '3000 €/mois',
      [INPUT_RULES.category]: 'oui',
      [INPUT_RULES.headcount]: '300 employé',
      [INPUT_RULES.at_rate]: '1.30 %',
    }),
  )
  const missing = new Set()
  for (const rule of [...Object.values(OUTPUT_RULES), ...LINES.flatMap(([, , a, b]) => [a, b])]) {
    if (!rule) continue
    const node = engine.evaluate(rule.replace(/^-/, ''))
    for (const name of Object.keys(node.missingVariables ?? {})) missing.add(name)
  }
  return [...missing].sort()
}

function packageVersion(name) {
  const path = join(HERE, 'node_modules', name, 'package.json')
  return JSON.parse(readFileSync(path, 'utf8')).version
}

// -- main -------------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { out: DEFAULT_OUT, months: [...Array(12).keys()].map((i) => i + 1), check: false }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = resolve(argv[++i])
    else if (argv[i] === '--months') args.months = argv[++i].split(',').map(Number)
    else if (argv[i] === '--check') args.check = true
    else throw new Error(`unknown argument ${argv[i]} (known: --out PATH, --months 1,6, --check)`)
  }
  return args
}

// The cases of the grid, without results; the months' SMIC and PSS set the gross points.
function gridCases(monthList) {
  const months = {}
  const specs = []
  for (const month of monthList) {
    const period = `${YEAR}-${String(month).padStart(2, '0')}`
    const facts = monthFacts(month)
    months[period] = { ...facts, smic: round4(facts.smic) }
    for (const [point, gross] of grossPoints(facts.smic, facts.pss)) {
      for (const category of CATEGORIES) {
        HEADCOUNTS.forEach((headcount, h) => {
          for (const atRate of AT_RATES) {
            if (!FULL_MONTHS.has(month) && atRate !== AT_RATES[(h + month) % AT_RATES.length]) {
              continue
            }
            specs.push({ month, period, point, gross, category, headcount, atRate })
          }
        })
      }
    }
  }
  return { months, specs }
}

function evaluateSpec({ month, period, point, gross, category, headcount, atRate }) {
  return {
    period,
    gross: gross.toFixed(2),
    category,
    headcount,
    at_rate: atRate,
    point,
    ...evaluateCase(month, gross, category, headcount, atRate),
  }
}

// A case takes ~80 ms of publicodes evaluation: the grid is shared among worker threads (each
// with its own engine), interleaved, and put back in grid order.
function evaluateAll(specs) {
  const workers = Math.max(1, Math.min(availableParallelism(), 8, specs.length))
  const chunks = Array.from({ length: workers }, (_, w) => specs.filter((_, i) => i % workers === w))
  return Promise.all(
    chunks.map(
      (chunk) =>
        new Promise((done, fail) => {
          const worker = new Worker(fileURLToPath(import.meta.url), { workerData: chunk })
          worker.once('message', done)
          worker.once('error', fail)
          worker.once('exit', (code) => code && fail(new Error(`worker exited with ${code}`)))
        }),
    ),
  ).then((results) => specs.map((_, i) => results[i % workers][Math.floor(i / workers)]))
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const started = Date.now()
  const { months, specs } = gridCases(args.months)
  const cases = await evaluateAll(specs)
  const header = {
    description:
      "Reference French payslips from URSSAF's own rules (npm modele-social evaluated with " +
      'publicodes), generated by scripts/refdata/fr/generate.mjs (make refdata). Amounts in ' +
      '€/month as unrounded results of the rules, to 4 decimals; rates in %. See ' +
      'scripts/refdata/fr/README.md.',
    tools: {
      'modele-social': packageVersion('modele-social'),
      publicodes: packageVersion('publicodes'),
      node: process.version,
    },
    generated_on: new Date().toISOString().slice(0, 10),
    tolerance: { net_before_tax: '0.05', employer_cost: '0.10', line: '0.01' },
    rules: {
      inputs: INPUT_RULES,
      fixed_situation: FIXED_SITUATION,
      gross: GROSS_RULE,
      outputs: OUTPUT_RULES,
      rates: RATE_RULES,
      months: MONTH_RULES,
      lines: Object.fromEntries(
        LINES.map(([key, title, employee, employer]) => [key, { title, employee, employer }]),
      ),
      defaults_relied_on: defaultsReliedOn(1),
    },
    grid: {
      categories: CATEGORIES,
      headcounts: HEADCOUNTS,
      at_rates: AT_RATES,
      points: grossPoints(1, 1).map(([point]) => point),
      full_cross_product_months: [...FULL_MONTHS].map((m) => `${YEAR}-${String(m).padStart(2, '0')}`),
      other_months: 'one AT/MP rate per headcount: at_rates[(headcount index + month) % 3]',
    },
    months,
    count: cases.length,
  }
  // One case per line: compact, yet a regenerated fixture diffs case by case.
  const text =
    '{"header":' + JSON.stringify(header, null, 1) + ',\n"cases":[\n' +
    cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]}\n'
  if (args.check) {
    console.log(`${cases.length} cases evaluated in ${Date.now() - started} ms (not written)`)
    return
  }
  mkdirSync(dirname(args.out), { recursive: true })
  writeFileSync(args.out, text)
  console.log(
    `${args.out}: ${cases.length} cases, ${(text.length / 1024).toFixed(0)} KiB, ` +
      `modele-social ${header.tools['modele-social']}, publicodes ${header.tools.publicodes}, ` +
      `node ${process.version}, ${Date.now() - started} ms`,
  )
}

if (isMainThread) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
} else {
  parentPort.postMessage(workerData.map(evaluateSpec))
}
