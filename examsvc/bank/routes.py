from flask import Blueprint
bp = Blueprint('bank', __name__, url_prefix='/bank')
@bp.get('/questions')
def questions():
    return 'todo'
@bp.get('/batches')
def batches():
    return 'todo'
