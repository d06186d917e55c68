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
BALASSA = (
    "Indice de Balassa (ou avantage comparatif révélé, RCA) : la part d'un produit dans les "
    "exportations du territoire, rapportée à sa part dans celles de la France. À 1 ou plus, le "
    "territoire est « spécialisé » dans ce produit : il pèse plus chez lui qu'en France."
)
PROXIMITY = (
    "Proximité entre deux produits : la part des départements spécialisés dans l'un qui le "
    "sont aussi dans l'autre (la plus petite des deux parts). Deux produits proches demandent "
    "souvent les mêmes savoir-faire, fournisseurs ou équipements."
)
DENSITY = (
    "Densité (de 0 à 100) : pour un produit où le territoire n'est pas spécialisé, la part de "
    "ses produits proches où il l'est déjà, chacun compté selon sa proximité. Plus elle est "
    "élevée, plus le territoire a déjà ce qui entoure ce produit."
)
