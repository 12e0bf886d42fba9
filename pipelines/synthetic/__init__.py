"""The one synthetic world of the repository, and its renderings.

``world`` builds cities, pizzerias with menus and customers with stable tastes; ``orders`` is the stream
of their orders (who, what, where, when, and each order's steps). Each consumer renders that one stream:
the demo (``pizzactl.demo``) sends it through the API, ``raw_cdc`` writes it as the lake sink's raw CDC
(the batch tests and ``bench/pipelines.py``), and ``curated`` as the curated tables the recommendations
job reads (its tests and ``train_recommendations --synthetic``).

It lives in ``pipelines`` because its renderings are lake layouts written through the lake's I/O
(``pipelines.io``), and because the layers above it that use it (``bench``, ``pizzactl``) may import
``pipelines`` while neither may import the other; it imports ``pizza`` only, like the rest of the layer.
"""
