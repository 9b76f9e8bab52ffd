"""A visitor's own corpus, uploaded in a real browser, becomes the neuron dictionary the page shows."""
import pytest

from testkit.browser import open_page, wait_until_idle

pytestmark = pytest.mark.browser
CORPUS = ("The lighthouse keeper climbed the stairs every evening to light the lamp.\n\n"
          "Ships passed the rocks safely because the lighthouse shone all night.\n\n"
          "<script>window.__xss=1</script> is only text here.")


def test_an_uploaded_text_becomes_the_dictionary(page, server_url, tmp_path):
    corpus = tmp_path / "lighthouse.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    open_page(page, f"{server_url}/neurons?layer=3&neuron=5&token=%20lighthouse")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(corpus))
    page.get_by_text("Dictionary of your file 'lighthouse.txt'").wait_for(timeout=120_000)
    wait_until_idle(page)
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "occurrences in the corpus" in main  # ' lighthouse' is found in the uploaded text
    assert "lighthouse" in main.split("its top contexts")[1]  # the card's contexts come from the file
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("[data-testid=stException]").count() == 0
