from flask import Blueprint, render_template
from flask_login import login_required

from . import current_directory
from .loader import AUTHORITY_KINDS, SECTORS

bp = Blueprint("directory", __name__, template_folder="templates", url_prefix="/organisationer")


@bp.route("/")
@login_required
def index():
    return render_template("directory/index.html", directory=current_directory(), kinds=AUTHORITY_KINDS, sectors=SECTORS)
