"""Exchange rates: configured rates and imported ECB reference rates, and conversions that carry
the rate they used (docs/fx.md).

* :mod:`node.fx.rates` — the :class:`~node.fx.rates.Rate` value, inverse and cross rates,
  conversion of minor units (pure);
* :mod:`node.fx.ecb` — parsing the ECB reference-rate files as published (pure);
* :mod:`node.fx.models` — the ``fx_rates`` table of imported rates;
* :mod:`node.fx.service` — importing a file, the rate in force for a pair on a day;
* :mod:`node.fx.api` and :mod:`node.fx.cli` — the admin API and ``coopnode fx``.
"""
