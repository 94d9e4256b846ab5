from flask import Blueprint
bp = Blueprint('exams', __name__, url_prefix='/exams')
@bp.get('/papers')
def papers():
    return 'todo'
@bp.get('/sittings')
def sittings():
    return 'todo'
