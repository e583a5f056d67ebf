"""examples/quickstart.ipynb runs from top to bottom (nbclient, a fresh python3 kernel,
examples/ as working directory); any cell raising fails the test."""
import pathlib

import nbclient
import nbformat

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def test_quickstart_notebook_runs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    text = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "bit-identical to the reference: True" in text
    assert "int8 on qnnpack_swift" in text and "top-5 classes" in text
