"""Reading the GI: the REST source (:mod:`gisync.gi.rest`) and the file source speak gi/CONTRACT.md.

Both return the contract's records as dicts, amounts decoded as Decimal, and both must prove they
read everything the GI holds for the requested filters before anything is posted to MyUnisoft.
"""
