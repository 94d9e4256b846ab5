from flask import Blueprint
bp = Blueprint('reports', __name__, url_prefix='/reports')
@bp.get('/sittings')
def sittings():
    return 'todo'
