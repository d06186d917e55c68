"""Plain words for the jargon the pages show, said where a reader first meets it: a widget's
tooltip (`help=`) or a sentence beside the figure. One text per term, whatever the page.
"""

from __future__ import annotations

TOP_N = (
    "Postes : les lignes d'un classement (pays partenaires, produits). Top N : les N premiers "
    "par valeur ; les suivants sont regroupés dans « Autres »."
)
HHI = (
    "L'indice de Herfindahl-Hirschman (HHI) additionne les carrés des parts de chaque pays ou "
    "produit dans le flux : proche de 0 quand les échanges se répartissent entre beaucoup de "
    "pays ou de produits, 1 quand un seul fait tout le flux."
)
A129 = (
    "A129 : les 129 postes de la nomenclature agrégée de l'Insee (NAF rév. 2), un produit "
    "classé selon l'activité qui le fabrique."
)
CPF4 = (
    "CPF4 : le niveau à quatre chiffres de la Classification des produits française, plus "
    "détaillé, présent quand les fichiers importés le portent."
)
PRODUCT_CODES = f"{A129} {CPF4}"
