"""The baseline of ``benchmarks/payslips.py``: OpenFisca-France computing the same employees.

Run by the benchmark in its own virtualenv (OpenFisca is never a dependency of the node):
``python openfisca_payslips.py CASES.jsonl OUT.csv``. One vectorised simulation of every
employee for the cases' month: gross in, net salary, employer cost and each contribution line
out, written as CSV — a whole process, like the node's ``coopnode payslip --batch``.
"""

from __future__ import annotations

import csv
import json
import sys

import numpy as np
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_france import FranceTaxBenefitSystem

LINES = (
    "mmid_salarie",
    "mmid_employeur",
    "vieillesse_plafonnee_salarie",
    "vieillesse_plafonnee_employeur",
    "vieillesse_deplafonnee_salarie",
    "vieillesse_deplafonnee_employeur",
    "famille",
    "accident_du_travail",
    "chomage_salarie",
    "chomage_employeur",
    "ags",
    "agirc_arrco_salarie",
    "agirc_arrco_employeur",
    "contribution_equilibre_general_salarie",
    "contribution_equilibre_general_employeur",
    "contribution_equilibre_technique_salarie",
    "contribution_equilibre_technique_employeur",
    "apec_salarie",
    "apec_employeur",
    "prevoyance_obligatoire_cadre",
    "csg_deductible_salaire",
    "csg_imposable_salaire",
    "crds_salaire",
    "fnal",
    "contribution_solidarite_autonomie",
    "formation_professionnelle",
    "taxe_apprentissage",
    "contribution_supplementaire_apprentissage",
    "participation_effort_construction",
    "allegement_general",
    "salaire_net",
    "cout_du_travail",
)
ROLES = {"famille": "parent", "foyer_fiscal": "declarant", "menage": "personne_de_reference"}


def main(cases_path: str, out_path: str) -> None:
    with open(cases_path, encoding="utf-8") as cases_file:
        cases = [json.loads(line) for line in cases_file]
    period = cases[0]["period"]
    count = len(cases)
    system = FranceTaxBenefitSystem()
    builder = SimulationBuilder()
    builder.create_entities(system)
    ids = [f"p{i}" for i in range(count)]
    builder.declare_person_entity("individu", ids)
    for entity, role in ROLES.items():
        group = builder.declare_entity(entity, [f"{entity}{i}" for i in range(count)])
        builder.join_with_persons(group, [f"{entity}{i}" for i in range(count)], [role] * count)
    simulation = builder.build(system)
    simulation.set_input("salaire_de_base", period, np.array([float(c["gross"]) for c in cases]))
    headcount = np.array([int(c["params"]["headcount"]) for c in cases])
    simulation.set_input("effectif_entreprise", period, headcount)
    cadre = np.array([c["params"]["category"] == "cadre" for c in cases])
    simulation.set_input("categorie_salarie", period, np.where(cadre, 1, 0))  # 1: prive_cadre
    at_rate = np.array([float(c["params"]["at_rate"]) / 100 for c in cases])
    simulation.set_input("taux_accident_travail", period, at_rate)
    known = [name for name in LINES if name in system.variables]
    results = {name: simulation.calculate_add(name, period) for name in known}
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", *known])
        for index, case in enumerate(cases):
            writer.writerow([case["id"], *(f"{results[n][index]:.2f}" for n in known)])
    missing = sorted(set(LINES) - set(known))
    if missing:
        print("openfisca: variables not in this version:", ", ".join(missing), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
